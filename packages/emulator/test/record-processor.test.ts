import { IngestOperation, InvalidBatchError, planColumns } from '../src/column-plan';
import { OrgData } from '../src/org-data';
import { RecordProcessor, RowOutcome } from '../src/record-processor';
import { minimallyQuoted } from '../src/result-csv';
import { newSalesforceId } from '../src/salesforce-id';
import {
  BUILTIN_OBJECTS_DIR,
  resolveSObject,
  SchemaRegistry,
  SObjectRecord,
  SObjectSchema,
} from '../src/sobject-schema';

const BUILTIN = SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR]);
const USER_ID = newSalesforceId('005', 42);
const NOW = new Date('2026-03-01T12:00:00.000Z');
const NOW_TEXT = '2026-03-01T12:00:00.000+0000';

/** An org with the builtin objects, loaded row by row as one Bulk API job would load it. */
class TestOrg {
  readonly data: OrgData;

  /**
   * @param storedRows the column delimiter of rows given with their text, as BulkIngest gives them (records
   * are then stored as that text); undefined: rows without text, stored as plain objects
   */
  constructor(
    readonly registry: SchemaRegistry = BUILTIN,
    private readonly storedRows?: string,
  ) {
    this.data = new OrgData(registry);
  }

  object(name: string): SObjectSchema {
    const object = this.registry.get(name);
    if (!object) throw new Error(`no object ${name} in the test registry`);
    return object;
  }

  /** A processor for one job; one 200-record chunk is started. */
  processor(
    objectName: string,
    operation: IngestOperation,
    header: string[],
    externalIdFieldName?: string,
  ): RecordProcessor {
    const object = this.object(objectName);
    const externalIdField = externalIdFieldName
      ? object.fieldsByLowerName.get(externalIdFieldName.toLowerCase())
      : undefined;
    const processor = new RecordProcessor(
      this.data,
      object,
      operation,
      planColumns(this.registry, object, operation, header, externalIdField),
      externalIdField,
      USER_ID,
      () => NOW,
      this.storedRows,
    );
    processor.startChunk();
    return processor;
  }

  /** Runs rows through one job and returns each row's outcome. */
  load(
    objectName: string,
    operation: IngestOperation,
    header: string[],
    rows: string[][],
    externalIdFieldName?: string,
  ): RowOutcome[] {
    const processor = this.processor(objectName, operation, header, externalIdFieldName);
    // One chunk, whose rows the processor sees before processing them, as BulkIngest shows them.
    processor.startChunk(rows);
    const d = this.storedRows;
    if (d === undefined) return rows.map((row) => processor.process(row));
    return rows.map((row) => processor.process(row, row.map((value) => minimallyQuoted(value, d)).join(d)));
  }

  /** The id of a record inserted from one row that must succeed. */
  insert(objectName: string, values: Record<string, string>): string {
    const [outcome] = this.load(objectName, 'insert', Object.keys(values), [Object.values(values)]);
    return createdId(outcome!);
  }

  record(id: string): SObjectRecord {
    const record = this.data.get(id);
    if (!record) throw new Error(`no live record ${id}`);
    return record;
  }
}

function createdId(outcome: RowOutcome): string {
  if ('error' in outcome) throw new Error(`expected a success, got ${outcome.error.toString()}`);
  return outcome.id;
}

/** The `sf__Error` text of a row that must fail. */
function sfError(outcome: RowOutcome | undefined): string {
  if (!outcome || !('error' in outcome)) throw new Error(`expected a record error, got ${JSON.stringify(outcome)}`);
  return outcome.error.toString();
}

/** The result of loading one row. */
function one(
  org: TestOrg,
  objectName: string,
  operation: IngestOperation,
  header: string[],
  row: string[],
  externalIdFieldName?: string,
): RowOutcome {
  return org.load(objectName, operation, header, [row], externalIdFieldName)[0]!;
}

describe('record errors', () => {
  let org: TestOrg;
  beforeEach(() => {
    org = new TestOrg();
  });

  test('REQUIRED_FIELD_MISSING for a required field with an empty value', () => {
    expect(sfError(one(org, 'Account', 'insert', ['Name', 'Site'], ['', 'HQ']))).toBe(
      'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --',
    );
  });

  test('REQUIRED_FIELD_MISSING names every required field that is absent, in field order', () => {
    expect(sfError(one(org, 'Opportunity', 'insert', ['Amount'], ['10']))).toBe(
      'REQUIRED_FIELD_MISSING:Required fields are missing: [Name, StageName, CloseDate]:Name,StageName,CloseDate --',
    );
  });

  test('REQUIRED_FIELD_MISSING when #N/A clears a required field on update', () => {
    const id = org.insert('Account', { Name: 'Acme' });
    expect(sfError(one(org, 'Account', 'update', ['Id', 'Name'], [id, '#N/A']))).toBe(
      'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --',
    );
  });

  test('STRING_TOO_LONG gives the label, the value and the maximum length', () => {
    const site = 'x'.repeat(81);
    expect(sfError(one(org, 'Account', 'insert', ['Name', 'Site'], ['Acme', site]))).toBe(
      `STRING_TOO_LONG:Account Site: data value too large: ${site} (max length=80):Site --`,
    );
  });

  test('INVALID_EMAIL_ADDRESS for an email field value without a domain', () => {
    expect(sfError(one(org, 'Contact', 'insert', ['LastName', 'Email'], ['Smith', 'smith@']))).toBe(
      'INVALID_EMAIL_ADDRESS:Email: invalid email address: smith@:Email --',
    );
  });

  test('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST for a value not in Account.Industry', () => {
    expect(sfError(one(org, 'Account', 'insert', ['Name', 'Industry'], ['Acme', 'Mining']))).toBe(
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Industry: bad value for restricted picklist field: Mining:Industry --',
    );
  });

  test('INVALID_TYPE_ON_FIELD_IN_RECORD for text in a number field', () => {
    expect(sfError(one(org, 'Account', 'insert', ['Name', 'NumberOfEmployees'], ['Acme', 'ten']))).toBe(
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: ten:NumberOfEmployees --',
    );
  });

  test('INVALID_TYPE_ON_FIELD_IN_RECORD for a fraction in an integer field', () => {
    expect(sfError(one(org, 'Account', 'insert', ['Name', 'NumberOfEmployees'], ['Acme', '1.5']))).toBe(
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: 1.5:NumberOfEmployees --',
    );
  });

  test('INVALID_TYPE_ON_FIELD_IN_RECORD for a date that is not in the calendar', () => {
    expect(sfError(one(org, 'Contact', 'insert', ['LastName', 'Birthdate'], ['Smith', '2026-02-30']))).toBe(
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Birthdate: value not of required type: 2026-02-30:Birthdate --',
    );
  });

  test('February 29 is a date only in leap years (every 4th year, not centuries unless divisible by 400)', () => {
    const birthdate = (value: string) => one(org, 'Contact', 'insert', ['LastName', 'Birthdate'], ['Smith', value]);
    for (const leap of ['2024-02-29', '2000-02-29', '1600-02-29']) {
      expect(org.data.get(createdId(birthdate(leap)))?.Birthdate).toBe(leap);
    }
    for (const notLeap of ['2026-02-29', '1900-02-29', '2100-02-29']) {
      expect(sfError(birthdate(notLeap))).toBe(
        `INVALID_TYPE_ON_FIELD_IN_RECORD:Birthdate: value not of required type: ${notLeap}:Birthdate --`,
      );
    }
    expect(sfError(birthdate('2026-04-31'))).toMatch(/^INVALID_TYPE_ON_FIELD_IN_RECORD/);
    expect(org.data.get(createdId(birthdate('2026-12-31')))?.Birthdate).toBe('2026-12-31');
  });

  test('INVALID_TYPE_ON_FIELD_IN_RECORD for a date in another format', () => {
    expect(sfError(one(org, 'Contact', 'insert', ['LastName', 'Birthdate'], ['Smith', '01/03/2026']))).toBe(
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Birthdate: value not of required type: 01/03/2026:Birthdate --',
    );
  });

  test('INVALID_TYPE_ON_FIELD_IN_RECORD for a datetime with an hour past 23', () => {
    const shipments = new TestOrg(withShipment());
    expect(sfError(one(shipments, 'Shipment__c', 'insert', ['Shipped_At__c'], ['2026-03-01T24:00:00Z']))).toBe(
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Shipped At: value not of required type: 2026-03-01T24:00:00Z:Shipped_At__c --',
    );
  });

  test('INVALID_TYPE_ON_FIELD_IN_RECORD for a boolean that is not true/false/1/0', () => {
    expect(sfError(one(org, 'Contact', 'insert', ['LastName', 'DoNotCall'], ['Smith', 'yes']))).toBe(
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Do Not Call: value not of required type: yes:DoNotCall --',
    );
  });

  test('NUMBER_OUTSIDE_VALID_RANGE for more integer digits than the precision allows', () => {
    // NumberOfEmployees has precision 8.
    expect(sfError(one(org, 'Account', 'insert', ['Name', 'NumberOfEmployees'], ['Acme', '123456789']))).toBe(
      'NUMBER_OUTSIDE_VALID_RANGE:Employees: value outside of valid range on numeric field: 123456789:NumberOfEmployees --',
    );
  });

  test('DUPLICATE_VALUE for a unique external id already on another record, whatever its case', () => {
    const first = org.insert('Account', { Name: 'Acme', Ext_Id__c: 'ACME-1' });
    expect(sfError(one(org, 'Account', 'insert', ['Name', 'Ext_Id__c'], ['Acme again', 'acme-1']))).toBe(
      `DUPLICATE_VALUE:duplicate value found: Ext_Id__c duplicates value on record with id: ${first}:--`,
    );
  });

  // Sources (docs/emulator.md, "Same upsert key twice"): salesforce.stackexchange.com/questions/296121 records
  // "DUPLICATE_VALUE, Duplicate external id specified: 1: [Test__c]" on row 0 of an upsert whose last row repeats
  // row 0's key; Salesforce Help 000384876: duplicates within one batch fail; castled's SalesforceErrorParser
  // (mkstayalive/castled) and Gearset's notes read DUPLICATE_VALUE as duplicate keys in the request.
  test('DUPLICATE_VALUE on every row of a 200-record chunk that shares an upsert key, and nothing written', () => {
    const outcomes = org.load(
      'Account',
      'upsert',
      ['Name', 'Ext_Id__c'],
      [
        ['Acme', 'ACME-1'],
        ['Other', 'OTHER-1'],
        ['Acme twice', 'acme-1'],
      ],
      'Ext_Id__c',
    );
    expect(sfError(outcomes[0])).toBe('DUPLICATE_VALUE:Duplicate external id specified: ACME-1:Ext_Id__c --');
    expect(createdId(outcomes[1]!)).toMatch(/^001/);
    expect(sfError(outcomes[2])).toBe('DUPLICATE_VALUE:Duplicate external id specified: acme-1:Ext_Id__c --');
    expect([...org.data.records('Account')].map((r) => r.Ext_Id__c)).toEqual(['OTHER-1']);
  });

  // Source: Salesforce Help 000384876 ("Error 'Duplicate Id Specified'"): rows of one batch that reference the
  // same record Id fail with "Duplicate id specified: <id>"; in separate batches each row applies. The error
  // code is not in a source: DUPLICATE_VALUE is assumed (docs/emulator.md).
  test.each(['update', 'upsert'] as const)(
    'Duplicate id specified on every row of a %s chunk that shares an Id (15 or 18 characters), nothing written',
    (operation) => {
      const acme = org.insert('Account', { Name: 'Acme' });
      const other = org.insert('Account', { Name: 'Other' });
      const outcomes = org.load(
        'Account',
        operation,
        ['Id', 'Name'],
        [
          [acme, 'Acme 1'],
          [other, 'Other 1'],
          [acme.slice(0, 15), 'Acme 2'],
        ],
        operation === 'upsert' ? 'Id' : undefined,
      );
      expect(sfError(outcomes[0])).toBe(`DUPLICATE_VALUE:Duplicate id specified: ${acme}:Id --`);
      expect(outcomes[1]).toEqual({ id: other, created: false });
      expect(sfError(outcomes[2])).toBe(`DUPLICATE_VALUE:Duplicate id specified: ${acme.slice(0, 15)}:Id --`);
      expect([...org.data.records('Account')].map((r) => r.Name).sort()).toEqual(['Acme', 'Other 1']);
    },
  );

  test('the same Id in the next chunk of an update applies, the last row wins', () => {
    const acme = org.insert('Account', { Name: 'Acme' });
    const processor = org.processor('Account', 'update', ['Id', 'Name']);
    processor.startChunk([[acme, 'Acme 1']]);
    expect(processor.process([acme, 'Acme 1'])).toEqual({ id: acme, created: false });
    processor.startChunk([[acme, 'Acme 2']]);
    expect(processor.process([acme, 'Acme 2'])).toEqual({ id: acme, created: false });
    expect([...org.data.records('Account')].map((r) => r.Name)).toEqual(['Acme 2']);
  });

  test('a case-sensitive upsert key differing in case is two keys', () => {
    const registry = new SchemaRegistry([
      resolveSObject(
        {
          name: 'Thing__c',
          keyPrefix: 'a05',
          fields: [{ name: 'Key__c', type: 'string', externalId: true, unique: true, caseSensitive: true }],
        },
        'Thing__c.json',
      ),
    ]);
    const outcomes = new TestOrg(registry).load('Thing__c', 'upsert', ['Key__c'], [['K-1'], ['k-1']], 'Key__c');
    expect(outcomes.map((o) => 'error' in o)).toEqual([false, false]);
  });

  test('the same upsert key in the next chunk updates the record', () => {
    const processor = org.processor('Account', 'upsert', ['Name', 'Ext_Id__c'], 'Ext_Id__c');
    const first = processor.process(['Acme', 'ACME-1']);
    processor.startChunk();
    expect(processor.process(['Acme Corp', 'ACME-1'])).toEqual({ id: createdId(first), created: false });
  });

  test('INVALID_FIELD when a relationship column names a parent external id that matches nothing', () => {
    expect(sfError(one(org, 'Contact', 'insert', ['LastName', 'Account.Ext_Id__c'], ['Smith', 'NOPE-9']))).toBe(
      'INVALID_FIELD:Foreign key external ID: NOPE-9 not found for field Ext_Id__c in entity Account:--',
    );
  });

  test('INVALID_FIELD_FOR_INSERT_UPDATE for a system field such as CreatedDate in an insert', () => {
    expect(sfError(one(org, 'Account', 'insert', ['Name', 'CreatedDate'], ['Acme', '2026-01-01T00:00:00.000Z']))).toBe(
      'INVALID_FIELD_FOR_INSERT_UPDATE:Unable to create/update fields: CreatedDate. Please check the security settings of this field and verify that it is read/write for your profile or permission set.:CreatedDate --',
    );
  });

  test('MALFORMED_ID for an Id that is not a Salesforce id', () => {
    expect(sfError(one(org, 'Account', 'update', ['Id', 'Name'], ['not-an-id', 'Acme']))).toBe(
      'MALFORMED_ID:Account ID: id value of incorrect type: not-an-id:Id --',
    );
  });

  test("MALFORMED_ID for another object's id in the Id column", () => {
    const contactId = org.insert('Contact', { LastName: 'Smith' });
    expect(sfError(one(org, 'Account', 'update', ['Id', 'Name'], [contactId, 'Acme']))).toBe(
      `MALFORMED_ID:Account ID: id value of incorrect type: ${contactId}:Id --`,
    );
  });

  test("MALFORMED_ID for another object's id in a lookup field", () => {
    const contactId = org.insert('Contact', { LastName: 'Smith' });
    expect(sfError(one(org, 'Contact', 'insert', ['LastName', 'AccountId'], ['Jones', contactId]))).toBe(
      `MALFORMED_ID:Account ID: id value of incorrect type: ${contactId}:AccountId --`,
    );
  });

  test('ENTITY_IS_DELETED when updating a record after it was deleted', () => {
    const id = org.insert('Account', { Name: 'Acme' });
    createdId(one(org, 'Account', 'delete', ['Id'], [id]));
    expect(sfError(one(org, 'Account', 'update', ['Id', 'Name'], [id, 'Acme Corp']))).toBe(
      'ENTITY_IS_DELETED:entity is deleted:--',
    );
  });

  test('INVALID_CROSS_REFERENCE_KEY for a well-formed id of no record', () => {
    const nobody = newSalesforceId('001', 999_999);
    expect(sfError(one(org, 'Account', 'update', ['Id', 'Name'], [nobody, 'Acme']))).toBe(
      'INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--',
    );
  });

  test('MISSING_ARGUMENT for an upsert row without its external id', () => {
    expect(sfError(one(org, 'Account', 'upsert', ['Name', 'Ext_Id__c'], ['Acme', ''], 'Ext_Id__c'))).toBe(
      'MISSING_ARGUMENT:Ext_Id__c not specified:--',
    );
  });

  test('a parent that is not found is reported before a bad value in a later column', () => {
    org.insert('Account', { Name: 'Acme', Ext_Id__c: 'A-1' });
    const header = ['LastName', 'Account.Ext_Id__c', 'Email'];
    expect(sfError(one(org, 'Contact', 'insert', header, ['Doe', 'A-404', 'not-an-email']))).toBe(
      'INVALID_FIELD:Foreign key external ID: A-404 not found for field Ext_Id__c in entity Account:--',
    );
    expect(
      sfError(one(org, 'Contact', 'insert', ['LastName', 'Email', 'Account.Ext_Id__c'], ['Doe', 'x', 'A-404'])),
    ).toBe('INVALID_EMAIL_ADDRESS:Email: invalid email address: x:Email --');
  });

  test('a reference to a deleted record is reported before a column that may not be written', () => {
    const account = org.insert('Account', { Name: 'Gone' });
    org.load('Account', 'delete', ['Id'], [[account]]);
    expect(
      sfError(one(org, 'Contact', 'insert', ['LastName', 'AccountId', 'CreatedDate'], ['Doe', account, '2026-01-01'])),
    ).toBe('ENTITY_IS_DELETED:entity is deleted:AccountId --');
    expect(sfError(one(org, 'Contact', 'insert', ['LastName', 'CreatedDate'], ['Doe', '2026-01-01']))).toMatch(
      /^INVALID_FIELD_FOR_INSERT_UPDATE:Unable to create\/update fields: CreatedDate\./,
    );
  });

  test('required fields are reported only after every value converts and the parents are found', () => {
    org.insert('Account', { Name: 'Acme', Ext_Id__c: 'A-1' });
    expect(sfError(one(org, 'Contact', 'insert', ['Account.Ext_Id__c', 'FirstName'], ['A-404', 'Jo']))).toMatch(
      /^INVALID_FIELD:Foreign key external ID: A-404 not found/,
    );
    expect(sfError(one(org, 'Contact', 'insert', ['Account.Ext_Id__c', 'FirstName'], ['A-1', 'Jo']))).toBe(
      'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --',
    );
  });

  test('a failed row changes nothing in the org', () => {
    one(org, 'Account', 'insert', ['Name', 'Industry'], ['Acme', 'Mining']);
    expect(org.data.count('Account')).toBe(0);
  });
});

describe('successful rows', () => {
  let org: TestOrg;
  beforeEach(() => {
    org = new TestOrg();
  });

  test('insert fills the system fields and the owner', () => {
    const outcome = one(org, 'Account', 'insert', ['Name'], ['Acme']);
    const id = createdId(outcome);
    expect(outcome).toEqual({ id, created: true });
    expect(id).toMatch(/^001[0-9A-Za-z]{15}$/);
    expect(org.record(id)).toMatchObject({
      Id: id,
      Name: 'Acme',
      IsDeleted: false,
      CreatedDate: NOW_TEXT,
      CreatedById: USER_ID,
      LastModifiedDate: NOW_TEXT,
      LastModifiedById: USER_ID,
      SystemModstamp: NOW_TEXT,
      OwnerId: USER_ID,
    });
  });

  test('insert sets absent checkboxes to false', () => {
    const record = org.record(org.insert('Contact', { LastName: 'Smith' }));
    expect(record).toMatchObject({ DoNotCall: false, HasOptedOutOfEmail: false, HasOptedOutOfFax: false });
  });

  test('insert leaves other absent fields without a value', () => {
    const record = org.record(org.insert('Contact', { LastName: 'Smith' }));
    // The org stores an absent value as null or not at all; both read as null.
    expect([record.Email ?? null, record.AccountId ?? null, record.Birthdate ?? null]).toEqual([null, null, null]);
  });

  test('insert of a custom object without Name names the record after its id', () => {
    const id = org.insert('Invoice__c', { Invoice_Number__c: 'INV-1' });
    expect(org.record(id).Name).toBe(id.slice(0, 15));
  });

  test('update leaves fields with an empty value as they are', () => {
    const id = org.insert('Account', { Name: 'Acme', Site: 'HQ', Phone: '555-0100' });
    createdId(one(org, 'Account', 'update', ['Id', 'Site', 'Phone'], [id, '', '555-0199']));
    expect(org.record(id)).toMatchObject({ Site: 'HQ', Phone: '555-0199' });
  });

  test('update with #N/A sets the field to null', () => {
    const id = org.insert('Account', { Name: 'Acme', Site: 'HQ' });
    expect(one(org, 'Account', 'update', ['Id', 'Site'], [id, '#N/A'])).toEqual({ id, created: false });
    expect(org.record(id).Site).toBeNull();
  });

  test('update accepts the 15-character form of the id', () => {
    const id = org.insert('Account', { Name: 'Acme' });
    expect(one(org, 'Account', 'update', ['Id', 'Name'], [id.slice(0, 15), 'Acme Corp'])).toEqual({
      id,
      created: false,
    });
  });

  test('upsert without a matching record inserts one', () => {
    const outcome = one(org, 'Account', 'upsert', ['Name', 'Ext_Id__c'], ['Acme', 'ACME-1'], 'Ext_Id__c');
    expect(outcome).toEqual({ id: createdId(outcome), created: true });
    expect(org.record(createdId(outcome)).Ext_Id__c).toBe('ACME-1');
  });

  test('upsert matches the external id case-insensitively and updates that record', () => {
    const id = org.insert('Account', { Name: 'Acme', Ext_Id__c: 'ACME-1' });
    expect(one(org, 'Account', 'upsert', ['Name', 'Ext_Id__c'], ['Acme Corp', 'acme-1'], 'Ext_Id__c')).toEqual({
      id,
      created: false,
    });
    expect(org.record(id).Name).toBe('Acme Corp');
    expect(org.data.count('Account')).toBe(1);
  });

  test('a relationship column Account.Ext_Id__c sets AccountId to the matching account', () => {
    const accountId = org.insert('Account', { Name: 'Acme', Ext_Id__c: 'ACME-1' });
    const contactId = createdId(one(org, 'Contact', 'insert', ['LastName', 'Account.Ext_Id__c'], ['Smith', 'acme-1']));
    expect(org.record(contactId).AccountId).toBe(accountId);
  });

  test('a datetime with an offset is stored in UTC in the +0000 format', () => {
    const shipments = new TestOrg(withShipment());
    const id = shipments.insert('Shipment__c', { Shipped_At__c: '2026-03-01T10:30:15+02:00' });
    expect(shipments.record(id).Shipped_At__c).toBe('2026-03-01T08:30:15.000+0000');
  });

  test('a datetime with a negative offset without colon crosses midnight', () => {
    const shipments = new TestOrg(withShipment());
    const id = shipments.insert('Shipment__c', { Shipped_At__c: '2026-02-28T21:00:00.5-0500' });
    expect(shipments.record(id).Shipped_At__c).toBe('2026-03-01T02:00:00.500+0000');
  });

  test('a date is stored as yyyy-mm-dd', () => {
    const id = org.insert('Contact', { LastName: 'Smith', Birthdate: '1990-07-14' });
    expect(org.record(id).Birthdate).toBe('1990-07-14');
  });

  test('a currency value is rounded to the scale of the field', () => {
    // Invoice__c.Amount__c has scale 2.
    const id = org.insert('Invoice__c', { Invoice_Number__c: 'INV-1', Amount__c: '1234.5678' });
    expect(org.record(id).Amount__c).toBe(1234.57);
  });

  test('a boolean accepts true/false and 1/0 in any case', () => {
    const yes = org.insert('Contact', { LastName: 'Smith', DoNotCall: 'TRUE' });
    const no = org.insert('Contact', { LastName: 'Jones', DoNotCall: '0' });
    expect([org.record(yes).DoNotCall, org.record(no).DoNotCall]).toEqual([true, false]);
  });

  test('delete sends the record to the recycle bin: a later update gets ENTITY_IS_DELETED', () => {
    const id = org.insert('Account', { Name: 'Acme' });
    expect(one(org, 'Account', 'delete', ['Id'], [id])).toEqual({ id, created: false });
    expect(org.data.get(id)).toBeUndefined();
    expect(sfError(one(org, 'Account', 'update', ['Id', 'Name'], [id, 'Again']))).toMatch(/^ENTITY_IS_DELETED:/);
  });

  test('hardDelete erases the record: a later update gets INVALID_CROSS_REFERENCE_KEY', () => {
    const id = org.insert('Account', { Name: 'Acme' });
    expect(one(org, 'Account', 'hardDelete', ['Id'], [id])).toEqual({ id, created: false });
    expect(org.data.get(id)).toBeUndefined();
    expect(sfError(one(org, 'Account', 'update', ['Id', 'Name'], [id, 'Again']))).toMatch(
      /^INVALID_CROSS_REFERENCE_KEY:/,
    );
  });
});

describe('planColumns', () => {
  const account = BUILTIN.get('Account')!;
  const contact = BUILTIN.get('Contact')!;

  function planError(object: SObjectSchema, operation: IngestOperation, header: string[]): InvalidBatchError {
    try {
      planColumns(BUILTIN, object, operation, header, undefined);
    } catch (err) {
      if (err instanceof InvalidBatchError) return err;
      throw err;
    }
    throw new Error(`expected an InvalidBatchError for ${header.join(',')}`);
  }

  test('rejects a header that is not a field of the object', () => {
    expect(planError(account, 'insert', ['Name', 'Bogus']).message).toBe('InvalidBatch : Field name not found : Bogus');
  });

  test('rejects a relationship column whose parent field is not an external id', () => {
    expect(planError(contact, 'insert', ['LastName', 'Account.Site']).message).toBe(
      'InvalidBatch : Field name not found : Account.Site',
    );
  });

  test('rejects a delete job with columns besides Id', () => {
    expect(planError(account, 'delete', ['Id', 'Name']).message).toBe(
      "InvalidBatch : The 'delete' batch must contain only 'Id'",
    );
  });

  test('rejects the same column twice, whatever its case', () => {
    expect(planError(account, 'insert', ['Name', 'NAME']).message).toBe(
      'InvalidBatch : Duplicate field name found : NAME',
    );
  });

  test('rejects an update job without an Id column', () => {
    expect(planError(account, 'update', ['Name']).message).toBe(
      "InvalidBatch : The 'update' batch must contain the 'Id' column",
    );
  });

  test('matches headers to fields and relationships case-insensitively, keeping the header as sent', () => {
    const plans = planColumns(BUILTIN, contact, 'insert', ['lastname', 'EXT_ID__C', 'account.ext_id__c'], undefined);
    expect(plans.map((p) => [p.kind, p.header, p.field.name])).toEqual([
      ['field', 'lastname', 'LastName'],
      ['field', 'EXT_ID__C', 'Ext_Id__c'],
      ['relationship', 'account.ext_id__c', 'AccountId'],
    ]);
  });
});

/**
 * The builtin registry plus an object with a writable datetime field: no builtin object has one (their
 * datetime fields are the read-only system fields).
 */
function withShipment(): SchemaRegistry {
  const shipment = resolveSObject(
    {
      name: 'Shipment__c',
      keyPrefix: 'a0S',
      fields: [{ name: 'Shipped_At__c', type: 'datetime', label: 'Shipped At' }],
    },
    'Shipment__c.json',
  );
  return new SchemaRegistry([...BUILTIN.list(), shipment]);
}

describe('records stored as the rows that wrote them', () => {
  /**
   * Runs the same jobs against an org that keeps plain records and orgs that keep the uploaded rows (comma
   * and tab delimited), and expects the same outcomes and the same records, live and deleted, throughout.
   */
  class Twins {
    readonly orgs = [new TestOrg(withShipment()), new TestOrg(withShipment(), ','), new TestOrg(withShipment(), '\t')];

    /** TestOrg.load on each org. */
    load(...job: Parameters<TestOrg['load']>): RowOutcome[] {
      const [plain, ...stored] = this.orgs.map((org) => org.load(...job));
      for (const outcomes of stored) expect(outcomes).toEqual(plain);
      this.expectSameData();
      return plain!;
    }

    expectSameData(): void {
      const [plain, ...stored] = this.orgs.map((org) => org.data.snapshot());
      for (const snapshot of stored) expect(snapshot).toEqual(plain);
      const [plainAll, ...storedAll] = this.orgs.map((org) =>
        ['Account', 'Contact', 'Case', 'Invoice__c', 'Shipment__c'].map((name) => [
          ...org.data.recordsWithDeleted(name),
        ]),
      );
      for (const all of storedAll) expect(all).toEqual(plainAll);
    }

    record(id: string): SObjectRecord {
      const [plain, ...stored] = this.orgs.map((org) => org.record(id));
      for (const record of stored) expect(record).toEqual(plain);
      return plain!;
    }
  }

  test('a lookup that found nothing speeds up only the insert right after it', () => {
    const org = new TestOrg(BUILTIN, ',');
    const byEmail = (email: string) => one(org, 'Case', 'insert', ['Subject', 'Contact.Email'], ['Help', email]);
    // Email is a lookup field without uniqueness: nothing looks it up when a Contact is inserted, and both
    // Contacts must get into its index (a stale "not found" must not let the second replace the first).
    expect(sfError(byEmail('x@example.com'))).toMatch(
      /^INVALID_FIELD:Foreign key external ID: x@example.com not found/,
    );
    org.load(
      'Contact',
      'insert',
      ['LastName', 'Email'],
      [
        ['A', 'x@example.com'],
        ['B', 'x@example.com'],
      ],
    );
    expect(sfError(byEmail('x@example.com'))).toMatch(
      /matched more than one record for field Email in entity Contact:--$/,
    );
  });

  test('inserts, upserts, updates, relationship columns and deletes read back the same', () => {
    const twins = new Twins();
    const accounts = twins.load(
      'Account',
      'insert',
      ['Name', 'Ext_Id__c', 'NumberOfEmployees'],
      [
        ['Acme, Inc.', 'A-1', '+120'],
        ['Globex', 'A-2', ''],
      ],
    );
    const contacts = twins.load(
      'Contact',
      'insert',
      [
        'LastName',
        'Ext_Id__c',
        'Account.Ext_Id__c',
        'Email',
        'Birthdate',
        'HasOptedOutOfEmail',
        'Description',
        'Title',
      ],
      [
        [
          'Lovelace',
          'C-1',
          'a-1',
          'ada@example.com',
          '1815-12-10T08:00:00Z',
          'TRUE',
          'line one\nline "two", three',
          '#N/A',
        ],
        ['Hopper', 'C-2', 'A-2', '', '1906-12-09', '0', '', 'Rear Admiral'],
        ['Nobody', 'C-3', 'A-404', '', '', '', '', ''],
        ['Tabby', 'C-4', '', '', '', '', 'a\ttab', ''],
      ],
    );
    expect(contacts.map((o) => 'error' in o)).toEqual([false, false, true, false]);
    twins.load('Case', 'insert', ['Subject'], [['First'], ['Second']]);
    twins.load(
      'Invoice__c',
      'insert',
      ['Invoice_Number__c', 'Amount__c', 'Invoice_Date__c', 'Account__c'],
      [
        ['INV-1', '1.005', '2026-02-29', ''],
        ['INV-2', '-2.5', '2024-02-29', createdId(accounts[0]!)],
      ],
    );
    twins.load('Shipment__c', 'insert', ['Shipped_At__c'], [['2026-01-01T23:30:00-0130'], ['2026-06-30 10:00']]);

    // Upsert: C-1 and C-2 updated (one by a key in other case), C-5 inserted; the Account lookup resolves again.
    twins.load(
      'Contact',
      'upsert',
      ['Ext_Id__c', 'Email', 'Account.Ext_Id__c', 'HasOptedOutOfEmail'],
      [
        ['C-1', 'lovelace@example.com', 'A-2', '#N/A'],
        ['c-2', '', '', ''],
        ['C-5', 'new@example.com', 'A-1', 'false'],
      ],
      'Ext_Id__c',
    );
    // The parent's key changes afterwards: the children keep the parent they were given.
    twins.load('Account', 'upsert', ['Ext_Id__c', 'Name'], [['A-2', 'Globex 2']], 'Ext_Id__c');
    twins.load('Account', 'update', ['Id', 'Ext_Id__c'], [[createdId(accounts[1]!), 'A-2-renamed']]);
    expect(
      twins.orgs.map((org) =>
        org.data.findBy(org.object('Account'), org.object('Account').fieldsByLowerName.get('ext_id__c')!, 'A-2'),
      ),
    ).toEqual([[], [], []]);

    // More updates of one record than are stacked before it is stored as a plain object again.
    const lovelace = createdId(contacts[0]!);
    for (let i = 0; i < 20; i++) {
      twins.load(
        'Contact',
        'update',
        ['Id', 'Title', 'Ext_Id__c'],
        [[lovelace, i % 7 === 6 ? '#N/A' : `Title ${i}`, `C-1-${i}`]],
      );
    }
    expect(twins.record(lovelace)).toMatchObject({
      Title: 'Title 19',
      Ext_Id__c: 'C-1-19',
      Email: 'lovelace@example.com',
    });
    // The unique index follows the key through the updates: the old keys are free, the last one is taken.
    const reused = twins.load(
      'Contact',
      'upsert',
      ['Ext_Id__c', 'LastName'],
      [
        ['C-1-18', 'Reuse'],
        ['C-1-19', 'Same'],
      ],
      'Ext_Id__c',
    );
    expect(reused.map((o) => ('error' in o ? 'error' : o.created))).toEqual([true, false]);

    // Deletes: the recycle bin keeps what the rows wrote.
    twins.load('Contact', 'delete', ['Id'], [[lovelace]]);
    twins.load('Contact', 'hardDelete', ['Id'], [[createdId(contacts[1]!)]]);
    twins.load('Account', 'delete', ['Id'], [[createdId(accounts[0]!)]]);
    // A child whose parent is in the recycle bin still reads its AccountId (no check runs on reading).
    expect(twins.record(createdId(contacts[3]!)).AccountId).toBeUndefined();
    twins.expectSameData();
  });
});
