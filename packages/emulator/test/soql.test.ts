import { resolveSObject, SchemaRegistry, SObjectRecord, SObjectSpec } from '../src/sobject-schema';
import { executeSoql, parseSoql, soqlColumns, SoqlDataSource, SoqlError, SoqlErrorCode, SoqlResult } from '../src/soql';

const ACCOUNT: SObjectSpec = {
  name: 'Account',
  keyPrefix: '001',
  fields: [
    { name: 'Name', type: 'string', required: true },
    { name: 'Ext_Id__c', type: 'string', externalId: true, unique: true },
    { name: 'NumberOfEmployees', type: 'int' },
    { name: 'Active__c', type: 'boolean' },
    { name: 'Description', type: 'textarea' },
  ],
};

const CONTACT: SObjectSpec = {
  name: 'Contact',
  keyPrefix: '003',
  fields: [
    { name: 'AccountId', type: 'reference', referenceTo: ['Account'] },
    { name: 'LastName', type: 'string', required: true },
    { name: 'Email', type: 'email' },
    { name: 'Birthdate', type: 'date' },
    { name: 'Score__c', type: 'int' },
    { name: 'DoNotCall', type: 'boolean' },
    { name: 'Tags__c', type: 'multipicklist', picklistValues: ['a', 'b'] },
  ],
};

const schemas = new SchemaRegistry([resolveSObject(ACCOUNT, 'Account.json'), resolveSObject(CONTACT, 'Contact.json')]);

const ACME = '001000000000001AAA';
const GLOBEX = '001000000000002AAA';

const ACCOUNTS: SObjectRecord[] = [
  { Id: ACME, Name: 'Acme', Ext_Id__c: 'ACME-1', NumberOfEmployees: 50, Active__c: true },
  { Id: GLOBEX, Name: 'Globex', Ext_Id__c: 'GLOBEX-2', NumberOfEmployees: null },
];

/** Contacts in insertion order; unsorted results come back in this order. */
const CONTACTS: SObjectRecord[] = [
  {
    Id: '003000000000001AAA',
    AccountId: ACME,
    LastName: 'Smith',
    Email: 'smith@acme.test',
    Birthdate: '1980-05-01',
    Score__c: 10,
    DoNotCall: true,
    CreatedDate: '2026-01-01T09:00:00.000+0000',
  },
  {
    Id: '003000000000002AAA',
    AccountId: ACME,
    LastName: 'jones',
    Email: null,
    Birthdate: '1990-12-31',
    Score__c: 20,
    DoNotCall: false,
    CreatedDate: '2026-01-02T09:00:00.000+0000',
  },
  {
    Id: '003000000000003AAA',
    AccountId: GLOBEX,
    LastName: "O'Brien",
    Email: 'obrien@globex.test',
    Birthdate: null,
    Score__c: 30,
    CreatedDate: '2026-01-03T09:00:00.000+0000',
  },
  {
    Id: '003000000000004AAA',
    AccountId: null,
    LastName: 'Under_Score',
    Email: 'under@none.test',
    Birthdate: '1980-05-01',
    Score__c: null,
    CreatedDate: '2026-01-04T09:00:00.000+0000',
  },
  {
    Id: '003000000000005AAA',
    LastName: '100% Back\\slash',
    Email: '',
    Birthdate: '2000-01-01',
    Score__c: 20,
    CreatedDate: '2026-01-05T09:00:00.000+0000',
  },
];

function sourceOf(records: readonly SObjectRecord[]): SoqlDataSource {
  const byId = new Map(records.map((record) => [record.Id, record]));
  return {
    schemas,
    records: (objectName) => records.filter((record) => schemas.forId(record.Id)?.name === objectName),
    recordById: (id) => byId.get(id),
  };
}

const source = sourceOf([...ACCOUNTS, ...CONTACTS]);

function run(text: string): SoqlResult {
  return executeSoql(parseSoql(text), source, '62.0');
}

/** The named field of each returned row, in order. */
function column(text: string, field = 'LastName'): unknown[] {
  return run(text).records.map((row) => row[field]);
}

function failure(text: string): SoqlError {
  try {
    run(text);
  } catch (err) {
    if (err instanceof SoqlError) return err;
    throw err;
  }
  throw new Error(`expected ${text} to fail`);
}

function expectFailure(text: string, errorCode: SoqlErrorCode, message: string): void {
  const err = failure(text);
  expect({ errorCode: err.errorCode, message: err.message }).toEqual({ errorCode, message });
}

const SMITH = 'Smith';
const JONES = 'jones';
const OBRIEN = "O'Brien";
const UNDER = 'Under_Score';
const BACKSLASH = '100% Back\\slash';

describe('result rows', () => {
  test('carry attributes and only the selected fields, in select order', () => {
    const result = run("SELECT Email, Id, LastName FROM Contact WHERE LastName = 'Smith'");

    expect(result).toEqual({
      totalSize: 1,
      object: 'Contact',
      isCount: false,
      records: [
        {
          attributes: { type: 'Contact', url: '/services/data/v62.0/sobjects/Contact/003000000000001AAA' },
          Email: 'smith@acme.test',
          Id: '003000000000001AAA',
          LastName: 'Smith',
        },
      ],
    });
    expect(Object.keys(result.records[0])).toEqual(['attributes', 'Email', 'Id', 'LastName']);
  });

  test('resolve keywords, object and field names case-insensitively and answer with canonical names', () => {
    const result = run("select lastname, ACCOUNT.ext_id__C from contact where LASTNAME = 'smith' order by lastName");

    expect(result.object).toBe('Contact');
    expect(result.records).toEqual([
      {
        attributes: { type: 'Contact', url: '/services/data/v62.0/sobjects/Contact/003000000000001AAA' },
        LastName: 'Smith',
        Account: {
          attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${ACME}` },
          Ext_Id__c: 'ACME-1',
        },
      },
    ]);
  });

  test('give null for an unset field and false for an unset checkbox', () => {
    const [row] = run("SELECT Email, DoNotCall, Birthdate FROM Contact WHERE LastName = 'O\\'Brien'").records;

    expect(row).toMatchObject({ Email: 'obrien@globex.test', DoNotCall: false, Birthdate: null });
  });

  test('keep source order without ORDER BY', () => {
    expect(column('SELECT LastName FROM Contact')).toEqual([SMITH, JONES, OBRIEN, UNDER, BACKSLASH]);
  });
});

describe('comparison operators', () => {
  test.each([
    ['Score__c = 20', [JONES, BACKSLASH]],
    ['Score__c != 20', [SMITH, OBRIEN, UNDER]],
    ['Score__c <> 20', [SMITH, OBRIEN, UNDER]],
    ['Score__c < 20', [SMITH]],
    ['Score__c <= 20', [SMITH, JONES, BACKSLASH]],
    ['Score__c > 20', [OBRIEN]],
    ['Score__c >= 20', [JONES, OBRIEN, BACKSLASH]],
    ['Score__c > 15.5', [JONES, OBRIEN, BACKSLASH]],
    ['Score__c > -1', [SMITH, JONES, OBRIEN, BACKSLASH]],
  ])('compare numbers numerically: %s', (where, expected) => {
    expect(column(`SELECT LastName FROM Contact WHERE ${where}`)).toEqual(expected);
  });

  test.each([
    ['Birthdate = 1980-05-01', [SMITH, UNDER]],
    ['Birthdate > 1985-01-01', [JONES, BACKSLASH]],
    ['Birthdate <= 1990-12-31', [SMITH, JONES, UNDER]],
  ])('compare dates: %s', (where, expected) => {
    expect(column(`SELECT LastName FROM Contact WHERE ${where}`)).toEqual(expected);
  });

  test.each([
    ['CreatedDate > 2026-01-03T00:00:00Z', [OBRIEN, UNDER, BACKSLASH]],
    ['CreatedDate = 2026-01-02T09:00:00.000Z', [JONES]],
    // 10:00 at +01:00 is 09:00 UTC: the instant counts, not the text.
    ['CreatedDate = 2026-01-02T10:00:00+01:00', [JONES]],
    ['CreatedDate < 2026-01-02T09:00:00Z', [SMITH]],
  ])('compare datetimes as instants: %s', (where, expected) => {
    expect(column(`SELECT LastName FROM Contact WHERE ${where}`)).toEqual(expected);
  });

  test('compare text case-insensitively', () => {
    expect(column("SELECT LastName FROM Contact WHERE LastName = 'SMITH'")).toEqual([SMITH]);
    expect(column("SELECT LastName FROM Contact WHERE LastName < 'p'")).toEqual([JONES, OBRIEN, BACKSLASH]);
  });

  test('compare checkboxes, an unset one reading false', () => {
    expect(column('SELECT LastName FROM Contact WHERE DoNotCall = true')).toEqual([SMITH]);
    expect(column('SELECT LastName FROM Contact WHERE DoNotCall = FALSE')).toEqual([JONES, OBRIEN, UNDER, BACKSLASH]);
  });

  test('match a 15-character id against the stored 18-character one', () => {
    expect(column("SELECT LastName FROM Contact WHERE Id = '003000000000002'")).toEqual([JONES]);
    expect(column(`SELECT LastName FROM Contact WHERE AccountId = '${GLOBEX}'`)).toEqual([OBRIEN]);
  });
});

describe('null comparisons', () => {
  test('= null finds unset fields, an empty text counting as unset as in Salesforce', () => {
    expect(column('SELECT LastName FROM Contact WHERE Email = null')).toEqual([JONES, BACKSLASH]);
    expect(column("SELECT LastName FROM Contact WHERE Email = ''")).toEqual([JONES, BACKSLASH]);
  });

  test('!= null finds set fields', () => {
    expect(column('SELECT LastName FROM Contact WHERE AccountId != null')).toEqual([SMITH, JONES, OBRIEN]);
  });

  test('!= a value keeps nulls, ordering comparisons drop them', () => {
    expect(column('SELECT LastName FROM Contact WHERE Score__c != 10')).toEqual([JONES, OBRIEN, UNDER, BACKSLASH]);
    expect(column('SELECT LastName FROM Contact WHERE Score__c < 1000')).not.toContain(UNDER);
    expect(column('SELECT LastName FROM Contact WHERE Score__c > null')).toEqual([]);
  });
});

describe('IN and NOT IN', () => {
  test('IN matches any listed value, case-insensitively for text', () => {
    expect(column("SELECT LastName FROM Contact WHERE LastName IN ('smith', 'JONES', 'nobody')")).toEqual([
      SMITH,
      JONES,
    ]);
    expect(column('SELECT LastName FROM Contact WHERE Score__c IN (10, 30)')).toEqual([SMITH, OBRIEN]);
  });

  test('IN may list null', () => {
    expect(column('SELECT LastName FROM Contact WHERE Score__c IN (null, 10)')).toEqual([SMITH, UNDER]);
  });

  test('NOT IN excludes the listed values and keeps nulls', () => {
    expect(column('SELECT LastName FROM Contact WHERE Score__c NOT IN (10, 20)')).toEqual([OBRIEN, UNDER]);
    expect(column('SELECT LastName FROM Contact WHERE Score__c NOT IN (10, 20, null)')).toEqual([OBRIEN]);
  });
});

describe('LIKE', () => {
  test.each([
    ["'sm%'", [SMITH]],
    ["'%ON%'", [JONES]],
    ["'_ones'", [JONES]],
    ["'%'", [SMITH, JONES, OBRIEN, UNDER, BACKSLASH]],
    ["'%\\_%'", [UNDER]],
    ["'%\\%%'", [BACKSLASH]],
    ["'%k\\\\s%'", [BACKSLASH]],
    ["'o\\'%'", [OBRIEN]],
    ["'smit'", []],
  ])('LastName LIKE %s', (pattern, expected) => {
    expect(column(`SELECT LastName FROM Contact WHERE LastName LIKE ${pattern}`)).toEqual(expected);
  });

  test('never matches an unset field', () => {
    expect(column("SELECT LastName FROM Contact WHERE Email LIKE '%'")).toEqual([SMITH, OBRIEN, UNDER]);
  });
});

describe('AND, OR, NOT', () => {
  test('AND and OR chains', () => {
    expect(
      column("SELECT LastName FROM Contact WHERE Score__c >= 20 AND Birthdate > 1985-01-01 AND LastName != 'jones'"),
    ).toEqual([BACKSLASH]);
    expect(column("SELECT LastName FROM Contact WHERE LastName = 'Smith' OR Score__c = 30 OR Score__c = null")).toEqual(
      [SMITH, OBRIEN, UNDER],
    );
  });

  test('parentheses group', () => {
    expect(
      column(
        "SELECT LastName FROM Contact WHERE (Score__c = 20 OR Score__c = 30) AND (Email != null OR LastName = 'jones')",
      ),
    ).toEqual([JONES, OBRIEN]);
    expect(
      column("SELECT LastName FROM Contact WHERE Score__c = 10 OR (Score__c = 20 AND LastName LIKE 'j%')"),
    ).toEqual([SMITH, JONES]);
  });

  test('NOT negates the condition that follows it', () => {
    expect(column('SELECT LastName FROM Contact WHERE NOT Score__c = 20')).toEqual([SMITH, OBRIEN, UNDER]);
    expect(column("SELECT LastName FROM Contact WHERE NOT (Score__c = 20 OR LastName = 'Smith')")).toEqual([
      OBRIEN,
      UNDER,
    ]);
    expect(column('SELECT LastName FROM Contact WHERE Score__c >= 20 AND (NOT AccountId = null)')).toEqual([
      JONES,
      OBRIEN,
    ]);
  });

  test('mixing AND and OR without parentheses is refused, as Salesforce does', () => {
    expectFailure(
      "SELECT Id FROM Contact WHERE Score__c = 10 AND LastName = 'a' OR Email = null",
      'MALFORMED_QUERY',
      "\nSELECT Id FROM Contact WHERE Score__c = 10 AND LastName = 'a' OR Email = null\n" +
        '                                                              ^\n' +
        'ERROR at Row:1:Column:63\n' +
        "unexpected token: 'OR'",
    );
    expect(failure('SELECT Id FROM Contact WHERE Score__c = 10 OR Score__c = 20 AND Email = null').message).toMatch(
      /unexpected token: 'AND'$/,
    );
  });

  test('NOT after AND needs parentheses, as Salesforce does', () => {
    expect(failure('SELECT Id FROM Contact WHERE Score__c = 10 AND NOT Email = null').message).toMatch(
      /ERROR at Row:1:Column:48\nunexpected token: 'NOT'$/,
    );
  });
});

describe('ORDER BY, LIMIT, OFFSET', () => {
  test('sorts by several keys with DESC', () => {
    expect(column('SELECT LastName FROM Contact WHERE Score__c != null ORDER BY Score__c DESC, LastName')).toEqual([
      OBRIEN,
      BACKSLASH,
      JONES,
      SMITH,
    ]);
  });

  test('sorts text case-insensitively', () => {
    expect(column('SELECT LastName FROM Contact ORDER BY LastName')).toEqual([BACKSLASH, JONES, OBRIEN, SMITH, UNDER]);
  });

  test('puts nulls first unless told NULLS LAST, whatever the direction', () => {
    expect(column('SELECT LastName FROM Contact ORDER BY Birthdate')).toEqual([OBRIEN, SMITH, UNDER, JONES, BACKSLASH]);
    expect(column('SELECT LastName FROM Contact ORDER BY Birthdate DESC')).toEqual([
      OBRIEN,
      BACKSLASH,
      JONES,
      SMITH,
      UNDER,
    ]);
    expect(column('SELECT LastName FROM Contact ORDER BY Birthdate DESC NULLS LAST')).toEqual([
      BACKSLASH,
      JONES,
      SMITH,
      UNDER,
      OBRIEN,
    ]);
    expect(
      column('SELECT LastName FROM Contact ORDER BY Birthdate ASC NULLS FIRST, Score__c DESC NULLS FIRST'),
    ).toEqual([OBRIEN, UNDER, SMITH, JONES, BACKSLASH]);
  });

  test('sorts by a parent field', () => {
    expect(column('SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS LAST, LastName')).toEqual([
      OBRIEN,
      JONES,
      SMITH,
      BACKSLASH,
      UNDER,
    ]);
  });

  test('LIMIT and OFFSET page after sorting; totalSize counts the rows returned', () => {
    const result = run('SELECT LastName FROM Contact ORDER BY LastName DESC LIMIT 2 OFFSET 1');

    expect(result.records.map((row) => row.LastName)).toEqual([SMITH, OBRIEN]);
    expect(result.totalSize).toBe(2);
    expect(column('SELECT LastName FROM Contact LIMIT 2')).toEqual([SMITH, JONES]);
    expect(column('SELECT LastName FROM Contact OFFSET 4')).toEqual([BACKSLASH]);
    expect(run('SELECT LastName FROM Contact LIMIT 0').totalSize).toBe(0);
  });

  test('an OFFSET above 2000 is refused', () => {
    expectFailure(
      'SELECT Id FROM Contact LIMIT 10 OFFSET 2001',
      'NUMBER_OUTSIDE_VALID_RANGE',
      'Maximum SOQL offset allowed is 2000',
    );
  });
});

describe('COUNT()', () => {
  test('counts matching records and returns no rows', () => {
    expect(run('SELECT COUNT() FROM Contact WHERE Score__c >= 20')).toEqual({
      totalSize: 3,
      records: [],
      object: 'Contact',
      isCount: true,
    });
    expect(run('select count() from account').totalSize).toBe(2);
  });

  test('counts at most LIMIT records', () => {
    expect(run('SELECT COUNT() FROM Contact LIMIT 1').totalSize).toBe(1);
  });

  test("without WHERE, a source's own count answers and no record is read; with WHERE, the records are", () => {
    let read = 0;
    const counting: SoqlDataSource = {
      ...source,
      records: (name) => {
        const records = [...source.records(name)];
        return records.map((record) => {
          read++;
          return record;
        });
      },
      count: (name) => [...source.records(name)].length,
    };
    const count = (soql: string) => executeSoql(parseSoql(soql), counting, '62.0').totalSize;
    expect(count('SELECT COUNT() FROM Contact')).toBe(run('SELECT COUNT() FROM Contact').totalSize);
    expect(count('SELECT COUNT() FROM Contact LIMIT 2')).toBe(2);
    expect(count('SELECT COUNT() FROM Contact OFFSET 1')).toBe(run('SELECT COUNT() FROM Contact OFFSET 1').totalSize);
    expect(read).toBe(0);
    expect(count('SELECT COUNT() FROM Contact WHERE Score__c >= 20')).toBe(3);
    expect(read).toBeGreaterThan(0);
  });
});

describe('relationship paths', () => {
  test('select parent fields as a nested record, null when there is no parent', () => {
    const rows = run('SELECT LastName, Account.Name, Account.Ext_Id__c FROM Contact WHERE Score__c >= 20').records;

    expect(rows.map((row) => row.Account)).toEqual([
      {
        attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${ACME}` },
        Name: 'Acme',
        Ext_Id__c: 'ACME-1',
      },
      {
        attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${GLOBEX}` },
        Name: 'Globex',
        Ext_Id__c: 'GLOBEX-2',
      },
      null,
    ]);
    expect(Object.keys(rows[0])).toEqual(['attributes', 'LastName', 'Account']);
  });

  test('filter on a parent field', () => {
    expect(column("SELECT LastName FROM Contact WHERE Account.Ext_Id__c = 'acme-1'")).toEqual([SMITH, JONES]);
    expect(column('SELECT LastName FROM Contact WHERE Account.Name = null')).toEqual([UNDER, BACKSLASH]);
    expect(column('SELECT LastName FROM Contact WHERE Account.Active__c = true')).toEqual([SMITH, JONES]);
  });
});

describe('string literals', () => {
  test('decode backslash escapes', () => {
    expect(column("SELECT LastName FROM Contact WHERE LastName = 'O\\'Brien'")).toEqual([OBRIEN]);
    expect(column("SELECT LastName FROM Contact WHERE LastName = '100% Back\\\\slash'")).toEqual([BACKSLASH]);
    const where = parseSoql(String.raw`SELECT Id FROM Contact WHERE LastName = 'tab\there\nnew \"q\" \_ \%'`).where;
    expect(where).toMatchObject({ value: { kind: 'string', value: 'tab\there\nnew "q" _ %' } });
  });

  test('an unknown escape is refused', () => {
    expectFailure(
      "SELECT Id FROM Contact WHERE LastName = 'a\\qb'",
      'MALFORMED_QUERY',
      "\nSELECT Id FROM Contact WHERE LastName = 'a\\qb'\n" +
        '                                        ^\n' +
        'ERROR at Row:1:Column:41\n' +
        "Invalid string literal 'a\\qb'. Illegal character sequence '\\q' in string literal.",
    );
  });

  test('an unterminated string is refused', () => {
    expect(failure("SELECT Id FROM Contact WHERE LastName = 'abc").message).toMatch(
      /Column:41\nunexpected token: <EOF>\. The string literal starting here has no closing quote\.$/,
    );
  });
});

describe('errors', () => {
  test('unknown object is INVALID_TYPE', () => {
    expectFailure(
      'SELECT Id FROM Foo',
      'INVALID_TYPE',
      '\nSELECT Id FROM Foo\n' +
        '               ^\n' +
        'ERROR at Row:1:Column:16\n' +
        "sObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
    );
  });

  test('unknown field is INVALID_FIELD pointing at the field', () => {
    expectFailure(
      'SELECT Id, Bogus FROM Contact',
      'INVALID_FIELD',
      '\nSELECT Id, Bogus FROM Contact\n' +
        '           ^\n' +
        'ERROR at Row:1:Column:12\n' +
        "No such column 'Bogus' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
  });

  test('an error on a later line reports that row and column', () => {
    expect(failure('SELECT Id\nFROM Contact\nWHERE Nope__c = 1').message).toBe(
      '\nWHERE Nope__c = 1\n' +
        '      ^\n' +
        'ERROR at Row:3:Column:7\n' +
        "No such column 'Nope__c' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
  });

  test('unknown field on a parent names the parent object', () => {
    const err = failure('SELECT Account.Bogus__c FROM Contact');
    expect(err.errorCode).toBe('INVALID_FIELD');
    expect(err.message).toMatch(/Column:8\nNo such column 'Bogus__c' on entity 'Account'\./);
  });

  test('unknown relationship is INVALID_FIELD', () => {
    const err = failure('SELECT Parent__r.Name FROM Contact');
    expect(err.errorCode).toBe('INVALID_FIELD');
    expect(err.message).toMatch(
      /\nDidn't understand relationship 'Parent__r' in field path\. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name\./,
    );
  });

  test('a field selected twice is INVALID_FIELD', () => {
    expect(failure('SELECT Id, LastName, lastname FROM Contact').message).toMatch(
      /Column:22\nduplicate field selected: LastName$/,
    );
  });

  test.each([
    [
      "Score__c = '10'",
      "value of filter criterion for field 'Score__c' must be of type integer and should not be enclosed in quotes",
    ],
    [
      "Birthdate = '2020-01-01'",
      "value of filter criterion for field 'Birthdate' must be of type date and should not be enclosed in quotes",
    ],
    [
      'CreatedDate > 2026-01-01',
      "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
    ],
    [
      'LastName = 5',
      "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes",
    ],
    [
      "Account.Active__c = 'true'",
      "value of filter criterion for field 'Account.Active__c' must be of type boolean and should not be enclosed in quotes",
    ],
    [
      "Score__c LIKE '1%'",
      "value of filter criterion for field 'Score__c' must be of type integer and should not be enclosed in quotes",
    ],
  ])('a literal of the wrong type is INVALID_FIELD: %s', (where, message) => {
    expectFailure(`SELECT Id FROM Contact WHERE ${where}`, 'INVALID_FIELD', message);
  });

  test('a long text area cannot be filtered and a multi-select picklist cannot be sorted', () => {
    expect(failure("SELECT Id FROM Account WHERE Description = 'x'").message).toMatch(
      /\nfield 'Description' can not be filtered in query call$/,
    );
    expect(failure('SELECT Id FROM Contact ORDER BY Tags__c').message).toMatch(
      /\nfield 'Tags__c' can not be sorted in a query call$/,
    );
  });

  test.each([
    ['SELECT FROM Contact', 8, "'FROM'"],
    ['SELECT Id, FROM Contact', 12, "'FROM'"],
    ['SELECT Id Contact', 11, "'Contact'"],
    ['SELECT * FROM Contact', 8, "'*'"],
    ['SELECT Id FROM', 15, '<EOF>'],
    ['SELECT Id FROM Contact WHERE', 29, '<EOF>'],
    ['SELECT Id FROM Contact WHERE LastName', 38, '<EOF>'],
    ['SELECT Id FROM Contact WHERE LastName IN ()', 43, "')'"],
    ['SELECT Id FROM Contact WHERE LastName LIKE 5', 44, "'5'"],
    ['SELECT Id FROM Contact WHERE (Score__c = 1', 43, '<EOF>'],
    ['SELECT Id FROM Contact LIMIT -1', 30, "'-1'"],
    ['SELECT Id FROM Contact LIMIT 5 ORDER BY Id', 32, "'ORDER'"],
    ['SELECT Id FROM Contact;', 23, "';'"],
    ['SELECT Id FROM Contact WHERE Birthdate = 2026-13-01', 42, "'2026-13-01'"],
  ])('a syntax error is MALFORMED_QUERY: %s', (text, columnNumber, token) => {
    const err = failure(text);
    expect(err.errorCode).toBe('MALFORMED_QUERY');
    expect(err.message).toBe(
      `\n${text}\n${' '.repeat(columnNumber - 1)}^\nERROR at Row:1:Column:${columnNumber}\nunexpected token: ${token}`,
    );
  });

  test.each([
    ['SELECT Id FROM Contact GROUP BY LastName', 'GROUP', 'GROUP BY'],
    ['SELECT Id FROM Contact WHERE CreatedDate = TODAY', 'TODAY', 'date literals such as TODAY or LAST_N_DAYS:n'],
    ['SELECT COUNT(Id) FROM Contact', 'COUNT', 'aggregate functions other than a bare SELECT COUNT()'],
    ['SELECT Id, (SELECT Id FROM Contacts) FROM Account', '(', null],
    ['SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)', 'SELECT', 'subqueries'],
  ])('SOQL the emulator does not run says so: %s', (text, token, feature) => {
    const err = failure(text);
    expect(err.errorCode).toBe('MALFORMED_QUERY');
    expect(err.message.split('\n').pop()).toBe(
      feature
        ? `unexpected token: '${token}'. The org emulator does not support ${feature}; it runs SELECT <fields> or SELECT COUNT() FROM one object with WHERE, ORDER BY, LIMIT and OFFSET.`
        : `unexpected token: '${token}'`,
    );
  });

  test('SoqlError is an Error checked with instanceof', () => {
    const err = failure('SELECT Id FROM Foo');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SoqlError');
  });
});

describe('parseSoql', () => {
  test('checks syntax only, so names are resolved when the query runs', () => {
    const query = parseSoql('SELECT Bogus FROM Nowhere__c WHERE X = 1 ORDER BY Y DESC NULLS LAST LIMIT 5 OFFSET 2');

    expect(query).toMatchObject({
      object: 'Nowhere__c',
      count: false,
      fields: [{ path: ['Bogus'] }],
      where: { kind: 'compare', operator: '=', value: { kind: 'number', value: 1 } },
      orderBy: [{ field: { path: ['Y'] }, direction: 'DESC', nulls: 'LAST' }],
      limit: 5,
      offset: 2,
    });
    expect(() => executeSoql(query, source, '62.0')).toThrow(SoqlError);
  });
});

describe('large tables', () => {
  test('a WHERE with a relationship condition over 100k records matches exactly the right ones', () => {
    const many: SObjectRecord[] = [];
    for (let i = 0; i < 100_000; i++) {
      many.push({
        Id: `003${String(i).padStart(12, '0')}AAA`,
        AccountId: i % 2 === 0 ? ACME : null,
        LastName: `Name${i}`,
        Score__c: i % 100,
        Birthdate: '1990-01-01',
      });
    }
    const big = sourceOf([...ACCOUNTS, ...many]);
    const query = parseSoql(
      "SELECT Id FROM Contact WHERE (Score__c >= 50 AND LastName LIKE 'name1%') OR (Account.Ext_Id__c = 'ACME-1' AND Score__c = 8)",
    );

    const result = executeSoql(query, big, '62.0');

    expect(result.totalSize).toBe(5550 + 1000);
  });
});

// `…/query?q=…&columns=true` answers what the query would return, not its rows. Shape of recorded answers:
// salesforcecli/plugin-data test/test-files/queryFields.exemplars.ts (columns, joinColumns for a parent field)
// and jetstreamapp/jetstream libs/types/src/lib/salesforce/query.types.ts (entityName, groupBy, idSelected, keyPrefix).
describe('columns=true', () => {
  const columnsOf = (text: string) => soqlColumns(parseSoql(text), schemas);

  test('plain fields: one column each with its Apex type, as sf data query reads them', () => {
    const answer = columnsOf('SELECT Id, LastName, Score__c, DoNotCall FROM Contact');
    expect(answer).toMatchObject({ entityName: 'Contact', groupBy: false, idSelected: true, keyPrefix: '003' });
    expect(answer.columnMetadata).toEqual([
      {
        aggregate: false,
        apexType: 'Id',
        booleanType: false,
        columnName: 'Id',
        custom: false,
        displayName: 'Id',
        foreignKeyName: null,
        insertable: false,
        joinColumns: [],
        numberType: false,
        textType: false,
        updatable: false,
      },
      expect.objectContaining({ columnName: 'LastName', apexType: 'String', textType: true, insertable: true }),
      expect.objectContaining({ columnName: 'Score__c', apexType: 'Integer', numberType: true, custom: true }),
      expect.objectContaining({ columnName: 'DoNotCall', apexType: 'Boolean', booleanType: true }),
    ]);
  });

  test('parent fields are one column per relationship, holding its fields as joinColumns', () => {
    const answer = columnsOf('select lastname, account.name, account.ext_id__c from contact');
    expect(answer.idSelected).toBe(false);
    expect(answer.columnMetadata.map((c) => c.columnName)).toEqual(['LastName', 'Account']);
    expect(answer.columnMetadata[1]).toMatchObject({
      apexType: null,
      foreignKeyName: 'AccountId',
      joinColumns: [
        expect.objectContaining({ columnName: 'Name', joinColumns: [] }),
        expect.objectContaining({ columnName: 'Ext_Id__c', joinColumns: [] }),
      ],
    });
  });

  test('SELECT COUNT() has no columns (assumed: no recorded answer)', () => {
    expect(columnsOf('SELECT COUNT() FROM Contact WHERE Score__c > 1').columnMetadata).toEqual([]);
  });

  test('a query running it would refuse is refused the same way (it is given the schemas only: no record)', () => {
    expect(() => soqlColumns(parseSoql('SELECT Nope FROM Contact'), schemas)).toThrow(SoqlError);
    expect(() => soqlColumns(parseSoql('SELECT Id FROM Contact WHERE Nope = 1'), schemas)).toThrow(
      /No such column 'Nope' on entity 'Contact'/,
    );
    expect(() => soqlColumns(parseSoql('SELECT Id FROM Widget'), schemas)).toThrow(/sObject type 'Widget'/);
  });
});
