import { BUILTIN_OBJECTS_DIR, describeSObject, SchemaRegistry } from '../../packages/emulator/src';
import { ObjectConfig } from '../../src/config';
import { DescribeSource, preflight, PreflightError } from '../../src/pipeline';
import { SObjectDescribe } from '../../src/salesforce';

/** The builtin emulator objects' describe results, without HTTP: real metadata, hermetic test. */
const registry = SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR]);
const org: DescribeSource = {
  describe: async (name) => {
    const object = registry.get(name);
    return object ? (describeSObject(object, registry, '66.0') as unknown as SObjectDescribe) : undefined;
  },
  objectNames: async () => registry.list().map((o) => o.name),
};

const object = (o: Partial<ObjectConfig>): ObjectConfig => ({
  name: 'Contact',
  source: 's3://b/k.csv',
  operation: 'insert',
  loadOrder: 1,
  columnMapping: {},
  ...o,
});

async function problems(config: ObjectConfig, header: string[]): Promise<readonly string[]> {
  try {
    await preflight(org, config, header, 's3://b/k.csv');
  } catch (e) {
    if (e instanceof PreflightError) return e.problems;
    throw e;
  }
  return [];
}

describe('preflight', () => {
  test('maps columns and spells fields as the org does', async () => {
    const result = await preflight(
      org,
      object({ columnMapping: { email_address: 'Email' } }),
      ['lastname', 'email_address', 'account.ext_id__c'],
      's3://b/k.csv',
    );
    expect(result.uploadHeader).toEqual(['LastName', 'Email', 'Account.Ext_Id__c']);
  });

  test('a near-miss column gets "did you mean"', async () => {
    expect(await problems(object({}), ['LastName', 'Emial'])).toEqual([
      'column Emial is not a field of Contact (did you mean Email?); rename the column or map it with columnMapping',
    ]);
  });

  test('each problem is one sentence: the problem, a guess in parentheses, then after "; " what to do', async () => {
    expect(await problems(object({}), ['LastName', 'Xyzzy'])).toEqual([
      'column Xyzzy is not a field of Contact; rename the column or map it with columnMapping',
    ]);
    expect(await problems(object({ columnMapping: { mail: 'Emial' } }), ['LastName', 'mail'])).toEqual([
      'column Emial (mapped from mail) is not a field of Contact (did you mean Email?); rename the column or map it with columnMapping',
    ]);
    expect(await problems(object({}), ['LastName', 'Acount.Ext_Id__c', 'Xyzzy.Ext_Id__c'])).toEqual([
      'column Acount.Ext_Id__c: Acount is not a relationship of Contact (did you mean Account.Ext_Id__c?); use <Relationship>.<ExternalIdField>',
      'column Xyzzy.Ext_Id__c: Xyzzy is not a relationship of Contact; use <Relationship>.<ExternalIdField>',
    ]);
    expect(await problems(object({ name: 'Contcat' }), ['LastName'])).toEqual([
      'the org has no object Contcat (did you mean Contact?); fix objects[].name in the configuration',
    ]);
    expect(await problems(object({ name: 'Xyzzy__c' }), ['LastName'])).toEqual([
      'the org has no object Xyzzy__c; fix objects[].name in the configuration',
    ]);
  });

  test('a name with a line break or a terminal escape stays in its one line, shown escaped', async () => {
    expect(await problems(object({}), ['LastName', 'Bad\nName\u001b[2J'])).toEqual([
      'column Bad\\u000aName\\u001b[2J is not a field of Contact; rename the column or map it with columnMapping',
    ]);
  });

  test('a relationship column must end in an External ID field of the parent', async () => {
    expect(await problems(object({}), ['LastName', 'Account.Phone'])).toEqual([
      'column Account.Phone: Phone is not an External ID field of Account; use Account.Ext_Id__c',
    ]);
  });

  test('a relationship to a parent without External ID fields says to load the parent Id instead', async () => {
    expect(await problems(object({}), ['LastName', 'Owner.Username'])).toEqual([
      "column Owner.Username: Username is not an External ID field of User; User has no External ID field: load the parent's record Id into the OwnerId column instead",
    ]);
  });

  test('read-only fields cannot be loaded', async () => {
    expect(await problems(object({}), ['LastName', 'CreatedDate'])).toEqual([
      'column CreatedDate cannot be written by insert (read-only field); remove the column',
    ]);
  });

  test('insert needs every required field', async () => {
    expect(await problems(object({ name: 'Opportunity' }), ['Name'])).toEqual([
      'required fields StageName, CloseDate missing for insert; add the columns',
    ]);
  });

  test('upsert needs an External ID field that is a column', async () => {
    expect(await problems(object({ operation: 'upsert', externalIdField: 'Email' }), ['LastName', 'Email'])).toEqual([
      'Email is not an External ID field of Contact; use Ext_Id__c as externalIdField',
    ]);
    expect(await problems(object({ operation: 'upsert', externalIdField: 'Ext_Id__c' }), ['LastName'])).toEqual([
      'the upsert key Ext_Id__c is not a column of the file; add it',
    ]);
  });

  test('delete files carry only Id; update files need Id', async () => {
    expect(await problems(object({ operation: 'delete' }), ['Id', 'LastName'])).toEqual([
      'a delete file must carry only the Id column (found: Id, LastName); remove the other columns',
    ]);
    expect(await problems(object({ operation: 'update' }), ['LastName'])).toEqual([
      'an update file needs an Id column; add the Id of each record to update',
    ]);
  });

  test('a column mapped twice onto one field is refused', async () => {
    expect(await problems(object({ columnMapping: { a: 'LastName' } }), ['LastName', 'a'])).toEqual([
      'column LastName appears twice after mapping; keep one',
    ]);
  });

  test('thousands of bad columns: ten are listed, one line counts the rest, other problems still show', async () => {
    const header = Array.from({ length: 5_001 }, (_, i) => `Extra_${i}`);
    const listed = await problems(object({}), header);
    expect(listed).toHaveLength(12);
    expect(listed[0]).toMatch(/^column Extra_0 is not a field of Contact/);
    expect(listed[10]).toBe(
      'and 4,991 more column problems (5,001 in all, in a file of 5,001 columns); check that the file is meant for Contact, fix the columns and run again',
    );
    expect(listed[11]).toBe('required field LastName missing for insert; add the column');
    const fields = ['Id', 'FirstName', 'LastName', 'Title', 'Department', 'Email', 'Phone', 'Fax', 'Birthdate'];
    expect(
      await problems(object({ operation: 'delete' }), [...fields, 'MobilePhone', 'HomePhone', 'OtherPhone']),
    ).toEqual([
      'a delete file must carry only the Id column (found: Id, FirstName, LastName, Title, Department, Email, Phone, Fax, Birthdate, MobilePhone and 2 more); remove the other columns',
    ]);
  });

  describe('names every JavaScript object carries (constructor, __proto__, toString, hasOwnProperty)', () => {
    const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

    test('as header columns they are columns like any other: not fields of Contact', async () => {
      const listed = await problems(object({}), ['LastName', ...NAMES]);
      expect(listed).toHaveLength(NAMES.length);
      NAMES.forEach((name, i) => expect(listed[i]).toMatch(new RegExp(`^column ${name} is not a field of Contact\\b`)));
    });

    test('as keys of columnMapping they map their column, and only theirs', async () => {
      // As a configuration file gives them: own keys, `__proto__` included (an object literal would set the prototype).
      const columnMapping = JSON.parse(
        '{"constructor": "LastName", "__proto__": "Email", "toString": "Title", "hasOwnProperty": "Phone"}',
      ) as Record<string, string>;
      const result = await preflight(org, object({ columnMapping }), NAMES, 's3://b/k.csv');
      expect(result.uploadHeader).toEqual(['LastName', 'Email', 'Title', 'Phone']);
    });

    test('a mapping without them leaves such a column unmapped', async () => {
      const listed = await problems(object({ columnMapping: { last: 'LastName' } }), ['last', 'toString']);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatch(/^column toString is not a field of Contact\b/);
    });
  });
});
