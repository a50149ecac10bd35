import { BUILTIN_OBJECTS_DIR, describeSObject, SchemaRegistry } from '../../packages/emulator/src';
import { ObjectConfig } from '../../src/config';
import { DescribeSource, preflight, PreflightError } from '../../src/pipeline';
import { SObjectDescribe } from '../../src/salesforce';

/** The builtin emulator objects' describe results, without HTTP (Case.OwnerId points at Group or User). */
const registry = SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR]);
const org: DescribeSource = {
  describe: async (name) => {
    const object = registry.get(name);
    return object ? (describeSObject(object, registry, '66.0') as unknown as SObjectDescribe) : undefined;
  },
  objectNames: async () => registry.list().map((o) => o.name),
};

async function problems(config: Partial<ObjectConfig>, header: string[]): Promise<readonly string[]> {
  try {
    await preflight(
      org,
      { name: 'Contact', source: 's3://b/k.csv', operation: 'upsert', loadOrder: 1, columnMapping: {}, ...config },
      header,
      's3://b/k.csv',
    );
  } catch (e) {
    if (e instanceof PreflightError) return e.problems;
    throw e;
  }
  return [];
}

// docs/configuration.md (columnMapping): polymorphic targets are refused in preflight, with what to do instead.
describe('preflight and polymorphic reference columns (<Type>:<Relationship>.<Field>)', () => {
  test('a polymorphic column of a real polymorphic lookup names the lookup field to load the Id into', async () => {
    expect(
      await problems({ name: 'Case', operation: 'insert' }, ['Subject', 'Status', 'Origin', 'User:Owner.Username']),
    ).toContain(
      "column User:Owner.Username: polymorphic references (<Type>:<Relationship>.<Field>) are not supported; load the parent's record Id into the OwnerId column instead",
    );
  });

  test('a column mapped to the polymorphic form is refused the same way, naming its source column', async () => {
    expect(
      await problems({ externalIdField: 'Ext_Id__c', columnMapping: { lead_email: 'Lead:Who.Ext_Id__c' } }, [
        'Ext_Id__c',
        'LastName',
        'lead_email',
      ]),
    ).toEqual([
      "column Lead:Who.Ext_Id__c (mapped from lead_email): polymorphic references (<Type>:<Relationship>.<Field>) are not supported; load the parent's record Id into its lookup field (e.g. WhoId) instead",
    ]);
  });

  test('a plain relationship by external id still passes', async () => {
    expect(await problems({ externalIdField: 'Ext_Id__c' }, ['Ext_Id__c', 'LastName', 'Account.Ext_Id__c'])).toEqual(
      [],
    );
  });
});
