/**
 * Where and how a JSON or YAML text breaks the syntax, for "not valid JSON: at line 4, column 25, …". Each says
 * what is wrong and what to do, and none repeats the text: a parser's own message quotes the text around
 * the mistake, which may be a secret someone pasted.
 */
export const syntaxMessages = {
  at: (line: number, column: number, problem: string) => `at line ${line}, column ${column}, ${problem}`,
  json: {
    end: 'the text ends inside the document; close every {, [ and " that is open',
    value: 'a value is expected here: a string in double quotes, a number, true, false, null, an object or a list',
    key: 'a property name in double quotes is expected here',
    colon: "':' is expected after the property name",
    objectSeparator: "',' or '}' is expected after the value",
    arraySeparator: "',' or ']' is expected after the value",
    trailingComma: "a ',' stands before the closing bracket; JSON allows none there: remove it",
    unterminatedString: 'the string that starts here is never closed; end it with a double quote',
    controlInString: 'a string holds a line break, tab or other control character; write it escaped (\\n, \\t)',
    badEscape:
      'a string holds an escape JSON does not have; a backslash starts \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX (write \\\\ for a backslash)',
    number:
      'a number is written as JSON does not allow; write digits without leading zeros or +, and digits after a point',
    trailing: 'more text follows the end of the document; remove it, or put everything in one object',
    tooDeep: 'objects and lists are nested more than 1,000 deep; flatten the document',
  },
  yaml: {
    BAD_INDENT:
      'the indentation does not line up, or a [ or { is not closed; indent with spaces and close every bracket',
    MISSING_CHAR: 'a closing quote, bracket or separator is missing; add it',
    BLOCK_AS_IMPLICIT_KEY:
      'a mapping is nested on one line (a: b: c); put the inner mapping on its own lines, or quote the value',
    TAB_AS_INDENT: 'a tab indents the line; YAML indents with spaces only',
    DUPLICATE_KEY: 'a key is given twice in the same mapping; keep one',
    MULTILINE_IMPLICIT_KEY: 'a key runs over several lines; keep each key on one line, or quote it',
    KEY_OVER_1024_CHARS: 'a key is longer than 1,024 characters; shorten it',
    UNEXPECTED_TOKEN:
      'something stands here that YAML does not expect there (a list item beside mapping keys, a stray comma or bracket); check the indentation and punctuation',
    BAD_SCALAR_START: 'a value starts with a character YAML reserves (such as @ or `); quote the value',
    BAD_DQ_ESCAPE:
      'a double-quoted string holds an escape YAML does not have; write \\\\ for a backslash, or use single quotes',
    TAG_RESOLVE_FAILED: 'a tag (!name) YAML does not know; remove it, or quote the value',
    BAD_ALIAS: 'an alias (*name) is not usable here; write the value out',
    other: 'the syntax is broken here; check quotes, brackets, colons and indentation',
    unresolvedAlias:
      'an alias (*name) refers to no anchor (&name) set before it; set the anchor first, or write the value out',
    noPosition: 'the syntax is broken; check quotes, brackets, colons and indentation',
  },
} as const;
