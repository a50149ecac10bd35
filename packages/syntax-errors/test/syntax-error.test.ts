import { parse as parseYaml } from 'yaml';
import { jsonSyntaxError, yamlSyntaxError } from '../src';

/** Stands for a secret pasted next to the mistake: no message may repeat it. */
const SECRET = 'S3cret-d41d8c';

describe('jsonSyntaxError: where and what, never the text', () => {
  test.each([
    [
      `{"a": ${SECRET}}`,
      1,
      7,
      'a value is expected here: a string in double quotes, a number, true, false, null, an object or a list',
    ],
    [`{"a": "${SECRET}",}`, 1, 22, "a ',' stands before the closing bracket; JSON allows none there: remove it"],
    [`[1, "${SECRET}",]`, 1, 20, "a ',' stands before the closing bracket; JSON allows none there: remove it"],
    [
      `{"a": "${SECRET}\n"}`,
      1,
      21,
      'a string holds a line break, tab or other control character; write it escaped (\\n, \\t)',
    ],
    [`{"a" "${SECRET}"}`, 1, 6, "':' is expected after the property name"],
    [`{\n  "password": "${SECRET}"\n  "x": 1\n}`, 3, 3, "',' or '}' is expected after the value"],
    [`[1, 2 "${SECRET}"]`, 1, 7, "',' or ']' is expected after the value"],
    [`{${SECRET}: 1}`, 1, 2, 'a property name in double quotes is expected here'],
    [
      `{"a": 01, "b": "${SECRET}"}`,
      1,
      7,
      'a number is written as JSON does not allow; write digits without leading zeros or +, and digits after a point',
    ],
    [
      `{"a": "x"} ${SECRET}`,
      1,
      12,
      'more text follows the end of the document; remove it, or put everything in one object',
    ],
    [
      `{"a": "\\q${SECRET}"}`,
      1,
      8,
      'a string holds an escape JSON does not have; a backslash starts \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX (write \\\\ for a backslash)',
    ],
    [`{"a": "${SECRET}`, 1, 7, 'the string that starts here is never closed; end it with a double quote'],
    [`{"a": ["${SECRET}"`, 1, 23, 'the text ends inside the document; close every {, [ and " that is open'],
    [
      `{"é": "ü", "ß": ${SECRET}}`,
      1,
      17,
      'a value is expected here: a string in double quotes, a number, true, false, null, an object or a list',
    ],
  ])('%j', (text, line, column, problem) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonSyntaxError(text)).toBe(`at line ${line}, column ${column}, ${problem}`);
    expect(jsonSyntaxError(text)).not.toContain(SECRET);
  });

  test('what V8 would have said repeats the text; that is why the message is our own', () => {
    expect(() => JSON.parse(`{"a": ${SECRET}}`)).toThrow(SECRET);
  });
});

describe('yamlSyntaxError: the parser’s place and kind, never its words', () => {
  function yamlError(text: string): unknown {
    try {
      parseYaml(text, { logLevel: 'error' });
    } catch (err) {
      return err;
    }
    throw new Error('expected a YAML error');
  }

  test.each([
    [
      `a: [1, 2\nb: ${SECRET}`,
      'at line 2, column 1, the indentation does not line up, or a [ or { is not closed; indent with spaces and close every bracket',
    ],
    [`a: "${SECRET}\n`, 'at line 2, column 1, a closing quote, bracket or separator is missing; add it'],
    [`key: value\nkey: ${SECRET}`, 'at line 2, column 1, a key is given twice in the same mapping; keep one'],
    [
      `a: *${SECRET}`,
      'an alias (*name) refers to no anchor (&name) set before it; set the anchor first, or write the value out',
    ],
    [
      `a: "\\q${SECRET}"`,
      'at line 1, column 5, a double-quoted string holds an escape YAML does not have; write \\\\ for a backslash, or use single quotes',
    ],
    [
      `- a\nb: ${SECRET}`,
      'at line 2, column 1, something stands here that YAML does not expect there (a list item beside mapping keys, a stray comma or bracket); check the indentation and punctuation',
    ],
  ])('%j', (text, message) => {
    const err = yamlError(text);
    expect(yamlSyntaxError(err)).toBe(message);
    expect(yamlSyntaxError(err)).not.toContain(SECRET);
  });
});
