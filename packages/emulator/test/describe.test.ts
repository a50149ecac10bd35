import { join } from 'node:path';
import { describeGlobal, describeSObject, FieldDescribe, SObjectDescribe, sobjectBasicInfo } from '../src/describe';
import { BUILTIN_OBJECTS_DIR, SchemaRegistry, SObjectSchemaError } from '../src/sobject-schema';

const FIXTURES = join(__dirname, 'fixtures');
const API_VERSION = '60.0';

/** Every key of a real v60 global describe entry. */
const GLOBAL_SOBJECT_KEYS = [
  'activateable',
  'associateEntityType',
  'associateParentEntity',
  'createable',
  'custom',
  'customSetting',
  'deepCloneable',
  'deletable',
  'deprecatedAndHidden',
  'feedEnabled',
  'hasSubtypes',
  'isInterface',
  'isSubtype',
  'keyPrefix',
  'label',
  'labelPlural',
  'layoutable',
  'mergeable',
  'mruEnabled',
  'name',
  'queryable',
  'replicateable',
  'retrieveable',
  'searchable',
  'triggerable',
  'undeletable',
  'updateable',
  'urls',
];

/** Every key of a real v60 sObject describe. */
const SOBJECT_DESCRIBE_KEYS = [
  ...GLOBAL_SOBJECT_KEYS,
  'actionOverrides',
  'childRelationships',
  'compactLayoutable',
  'defaultImplementation',
  'extendedBy',
  'extendsInterfaces',
  'fields',
  'implementedBy',
  'implementsInterfaces',
  'listviewable',
  'lookupLayoutable',
  'namedLayoutInfos',
  'networkScopeFieldName',
  'recordTypeInfos',
  'searchLayoutable',
  'sobjectDescribeOption',
  'supportedScopes',
].sort();

/** Every key of a real v60 field describe. */
const FIELD_KEYS = [
  'aggregatable',
  'aiPredictionField',
  'autoNumber',
  'byteLength',
  'calculated',
  'calculatedFormula',
  'cascadeDelete',
  'caseSensitive',
  'compoundFieldName',
  'controllerName',
  'createable',
  'custom',
  'defaultValue',
  'defaultValueFormula',
  'defaultedOnCreate',
  'dependentPicklist',
  'deprecatedAndHidden',
  'digits',
  'displayLocationInDecimal',
  'encrypted',
  'externalId',
  'extraTypeInfo',
  'filterable',
  'filteredLookupInfo',
  'formulaTreatNullNumberAsZero',
  'groupable',
  'highScaleNumber',
  'htmlFormatted',
  'idLookup',
  'inlineHelpText',
  'label',
  'length',
  'mask',
  'maskType',
  'name',
  'nameField',
  'namePointing',
  'nillable',
  'permissionable',
  'picklistValues',
  'polymorphicForeignKey',
  'precision',
  'queryByDistance',
  'referenceTargetField',
  'referenceTo',
  'relationshipName',
  'relationshipOrder',
  'restrictedDelete',
  'restrictedPicklist',
  'scale',
  'searchPrefilterable',
  'soapType',
  'sortable',
  'type',
  'unique',
  'updateable',
  'writeRequiresMasterRead',
];

/** What a describe served over HTTP looks like to a client. */
function overTheWire<T>(body: T): T {
  return JSON.parse(JSON.stringify(body)) as T;
}

function describeOf(registry: SchemaRegistry, objectName: string): SObjectDescribe {
  const object = registry.get(objectName);
  if (!object) throw new Error(`no ${objectName} in the registry`);
  return overTheWire(describeSObject(object, registry, API_VERSION));
}

function fieldOf(describe: SObjectDescribe, fieldName: string): FieldDescribe {
  const field = describe.fields.find((f) => f.name === fieldName);
  if (!field) throw new Error(`no ${describe.name}.${fieldName} in the describe`);
  return field;
}

/** The rule the Salesforce CLI and data loaders apply: a field a new record must carry. */
function requiredOnInsert(describe: SObjectDescribe): string[] {
  return describe.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate).map((f) => f.name);
}

describe('builtin objects', () => {
  const registry = SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR]);

  test('the global describe lists the six builtin objects with their key prefixes', () => {
    const global = overTheWire(describeGlobal(registry, API_VERSION));

    expect(global.encoding).toBe('UTF-8');
    expect(global.maxBatchSize).toBe(200);
    expect(global.sobjects.map((s) => [s.name, s.keyPrefix, s.custom])).toEqual([
      ['Account', '001', false],
      ['Case', '500', false],
      ['Contact', '003', false],
      ['Invoice__c', 'a01', true],
      ['Lead', '00Q', false],
      ['Opportunity', '006', false],
    ]);
  });

  test('each global describe entry has every key Salesforce returns, and its urls', () => {
    const invoice = overTheWire(describeGlobal(registry, API_VERSION)).sobjects.find((s) => s.name === 'Invoice__c');

    expect(Object.keys(invoice!).sort()).toEqual(GLOBAL_SOBJECT_KEYS);
    expect(invoice).toMatchObject({
      label: 'Invoice',
      labelPlural: 'Invoices',
      createable: true,
      updateable: true,
      deletable: true,
      queryable: true,
      retrieveable: true,
      undeletable: true,
      urls: {
        sobject: '/services/data/v60.0/sobjects/Invoice__c',
        describe: '/services/data/v60.0/sobjects/Invoice__c/describe',
        rowTemplate: '/services/data/v60.0/sobjects/Invoice__c/{ID}',
      },
    });
  });

  test('an api version written with its "v" gives the same urls', () => {
    const account = registry.get('Account')!;

    expect(describeSObject(account, registry, 'v60.0').urls).toEqual(describeSObject(account, registry, '60.0').urls);
  });

  test('GET …/sobjects/<Object> returns the object describe and no recent items', () => {
    const info = overTheWire(sobjectBasicInfo(registry.get('contact')!, API_VERSION));

    expect(Object.keys(info).sort()).toEqual(['objectDescribe', 'recentItems']);
    expect(info.recentItems).toEqual([]);
    expect(info.objectDescribe.name).toBe('Contact');
    expect(Object.keys(info.objectDescribe).sort()).toEqual(GLOBAL_SOBJECT_KEYS);
  });

  test.each(['Account', 'Contact', 'Lead', 'Opportunity', 'Case', 'Invoice__c'])(
    '%s describe has every object key and every field key Salesforce returns',
    (objectName) => {
      const describe = describeOf(registry, objectName);

      expect(Object.keys(describe).sort()).toEqual(SOBJECT_DESCRIBE_KEYS);
      for (const field of describe.fields) {
        expect(Object.keys(field).sort()).toEqual(FIELD_KEYS);
      }
      expect(describe.fields.slice(0, 1).map((f) => f.name)).toEqual(['Id']);
    },
  );

  test.each([
    ['Account', ['Name']],
    ['Contact', ['LastName']],
    ['Lead', ['LastName', 'Company']],
    ['Opportunity', ['Name', 'StageName', 'CloseDate']],
    ['Case', []],
    ['Invoice__c', []],
  ])('a new %s must carry exactly %j', (objectName, required) => {
    expect(requiredOnInsert(describeOf(registry, objectName))).toEqual(required);
  });

  test('Contact.LastName is required and writable; FirstName is optional', () => {
    const contact = describeOf(registry, 'Contact');

    expect(fieldOf(contact, 'LastName')).toMatchObject({
      nillable: false,
      createable: true,
      updateable: true,
      defaultedOnCreate: false,
      length: 80,
      byteLength: 240,
      type: 'string',
      soapType: 'xsd:string',
      compoundFieldName: 'Name',
    });
    expect(fieldOf(contact, 'FirstName')).toMatchObject({ nillable: true, createable: true, length: 40 });
  });

  test('Id is filled by the platform and can never be written', () => {
    const id = fieldOf(describeOf(registry, 'Account'), 'Id');

    expect(id).toMatchObject({
      type: 'id',
      soapType: 'tns:ID',
      label: 'Account ID',
      createable: false,
      updateable: false,
      nillable: false,
      defaultedOnCreate: true,
      idLookup: true,
      length: 18,
      byteLength: 18,
    });
  });

  test('system fields are read-only and never null; OwnerId may be set on insert', () => {
    const account = describeOf(registry, 'Account');

    for (const name of ['CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp']) {
      expect(fieldOf(account, name)).toMatchObject({ createable: false, updateable: false, nillable: false });
    }
    expect(fieldOf(account, 'OwnerId')).toMatchObject({
      createable: true,
      updateable: true,
      nillable: false,
      defaultedOnCreate: true,
      referenceTo: ['User'],
      relationshipName: 'Owner',
    });
  });

  test('a queue can own Leads, Cases and custom object records', () => {
    for (const objectName of ['Lead', 'Case', 'Invoice__c']) {
      expect(fieldOf(describeOf(registry, objectName), 'OwnerId')).toMatchObject({
        referenceTo: ['Group', 'User'],
        polymorphicForeignKey: true,
        namePointing: true,
      });
    }
  });

  test('Invoice__c.Invoice_Number__c is the external id: unique and usable for lookups', () => {
    const number = fieldOf(describeOf(registry, 'Invoice__c'), 'Invoice_Number__c');

    expect(number).toMatchObject({ externalId: true, idLookup: true, unique: true, custom: true, length: 40 });
  });

  test('Invoice__c.Account__c looks up an Account through Account__r', () => {
    const account = fieldOf(describeOf(registry, 'Invoice__c'), 'Account__c');

    expect(account).toMatchObject({
      type: 'reference',
      soapType: 'tns:ID',
      referenceTo: ['Account'],
      relationshipName: 'Account__r',
      custom: true,
      nillable: true,
    });
  });

  test("Invoice__c.Name is the record's name, defaulted to its id when left out", () => {
    const name = fieldOf(describeOf(registry, 'Invoice__c'), 'Name');

    expect(name).toMatchObject({
      nameField: true,
      createable: true,
      defaultedOnCreate: true,
      idLookup: true,
      length: 80,
    });
  });

  test('Account.Industry is a restricted picklist with the standard values', () => {
    const industry = fieldOf(describeOf(registry, 'Account'), 'Industry');

    expect(industry.type).toBe('picklist');
    expect(industry.restrictedPicklist).toBe(true);
    expect(industry.picklistValues.map((v) => v.value)).toEqual(
      expect.arrayContaining(['Banking', 'Technology', 'Healthcare', 'Other']),
    );
    for (const entry of industry.picklistValues) {
      expect(entry).toEqual({
        active: true,
        defaultValue: false,
        label: entry.value,
        validFor: null,
        value: entry.value,
      });
    }
    expect(fieldOf(describeOf(registry, 'Account'), 'Type').restrictedPicklist).toBe(false);
  });

  test('Invoice__c.Status__c accepts only Draft, Sent, Paid and Void', () => {
    const status = fieldOf(describeOf(registry, 'Invoice__c'), 'Status__c');

    expect(status.restrictedPicklist).toBe(true);
    expect(status.picklistValues.map((v) => v.value)).toEqual(['Draft', 'Sent', 'Paid', 'Void']);
  });

  test('a defaulted picklist marks its first value as the default (Lead.Status)', () => {
    const status = fieldOf(describeOf(registry, 'Lead'), 'Status');

    expect(status).toMatchObject({ nillable: false, defaultedOnCreate: true });
    expect(status.picklistValues.filter((v) => v.defaultValue).map((v) => v.value)).toEqual(['Open - Not Contacted']);
  });

  test.each([
    ['Account', 'Id', 'id', 'tns:ID'],
    ['Account', 'ParentId', 'reference', 'tns:ID'],
    ['Account', 'Name', 'string', 'xsd:string'],
    ['Account', 'Description', 'textarea', 'xsd:string'],
    ['Account', 'Website', 'url', 'xsd:string'],
    ['Account', 'Phone', 'phone', 'xsd:string'],
    ['Account', 'Industry', 'picklist', 'xsd:string'],
    ['Account', 'NumberOfEmployees', 'int', 'xsd:int'],
    ['Account', 'AnnualRevenue', 'currency', 'xsd:double'],
    ['Account', 'IsDeleted', 'boolean', 'xsd:boolean'],
    ['Account', 'CreatedDate', 'datetime', 'xsd:dateTime'],
    ['Contact', 'Email', 'email', 'xsd:string'],
    ['Contact', 'Birthdate', 'date', 'xsd:date'],
    ['Opportunity', 'Probability', 'percent', 'xsd:double'],
    ['Opportunity', 'TotalOpportunityQuantity', 'double', 'xsd:double'],
  ])('%s.%s is %s with soapType %s', (objectName, fieldName, type, soapType) => {
    expect(fieldOf(describeOf(registry, objectName), fieldName)).toMatchObject({ type, soapType });
  });

  test('numbers report digits for integers and precision/scale for decimals, as Salesforce does', () => {
    const account = describeOf(registry, 'Account');
    const invoice = describeOf(registry, 'Invoice__c');

    expect(fieldOf(account, 'NumberOfEmployees')).toMatchObject({ digits: 8, precision: 0, scale: 0, length: 0 });
    expect(fieldOf(invoice, 'Amount__c')).toMatchObject({ digits: 0, precision: 18, scale: 2, length: 0 });
  });

  test('a long text area cannot be filtered, sorted or grouped; a short one can', () => {
    const account = describeOf(registry, 'Account');

    expect(fieldOf(account, 'Description')).toMatchObject({
      length: 32000,
      byteLength: 96000,
      filterable: false,
      sortable: false,
      groupable: false,
      extraTypeInfo: 'plaintextarea',
    });
    expect(fieldOf(account, 'BillingStreet')).toMatchObject({ length: 255, filterable: true, sortable: true });
  });

  test('a checkbox is never null and defaults to false', () => {
    const optOut = fieldOf(describeOf(registry, 'Contact'), 'HasOptedOutOfEmail');

    expect(optOut).toMatchObject({ nillable: false, defaultedOnCreate: true, defaultValue: false, createable: true });
  });

  test("a person's Name is a compound field no one writes; Case is named by its auto number", () => {
    expect(fieldOf(describeOf(registry, 'Contact'), 'Name')).toMatchObject({
      nameField: true,
      createable: false,
      updateable: false,
      extraTypeInfo: 'personname',
    });
    expect(fieldOf(describeOf(registry, 'Case'), 'CaseNumber')).toMatchObject({
      nameField: true,
      autoNumber: true,
      createable: false,
      idLookup: true,
    });
  });

  test('Account lists the objects that look it up as child relationships', () => {
    const children = describeOf(registry, 'Account').childRelationships;

    expect(children).toContainEqual({
      cascadeDelete: false,
      childSObject: 'Contact',
      deprecatedAndHidden: false,
      field: 'AccountId',
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: 'Contacts',
      restrictedDelete: false,
    });
    expect(children.map((c) => [c.childSObject, c.field, c.relationshipName])).toEqual([
      ['Account', 'ParentId', 'ChildAccounts'],
      ['Case', 'AccountId', 'Cases'],
      ['Contact', 'AccountId', 'Contacts'],
      ['Invoice__c', 'Account__c', 'Invoices__r'],
      ['Opportunity', 'AccountId', 'Opportunities'],
    ]);
  });

  test('every object has the Master record type only', () => {
    const describe = describeOf(registry, 'Opportunity');

    expect(describe.recordTypeInfos).toEqual([
      {
        active: true,
        available: true,
        defaultRecordTypeMapping: true,
        developerName: 'Master',
        master: true,
        name: 'Master',
        recordTypeId: '012000000000000AAA',
        urls: { layout: '/services/data/v60.0/sobjects/Opportunity/describe/layouts/012000000000000AAA' },
      },
    ]);
  });

  test('with the instance url the describe carries the record page templates', () => {
    const account = registry.get('Account')!;
    const describe = describeSObject(account, registry, API_VERSION, { instanceUrl: 'http://127.0.0.1:4321/' });

    expect(describe.urls).toMatchObject({
      uiDetailTemplate: 'http://127.0.0.1:4321/{ID}',
      uiEditTemplate: 'http://127.0.0.1:4321/{ID}/e',
      uiNewRecord: 'http://127.0.0.1:4321/001/e',
    });
    expect(describeSObject(account, registry, API_VERSION).urls).not.toHaveProperty('uiDetailTemplate');
  });
});

describe('user schema directories', () => {
  test('a user directory adds an object and replaces a builtin one', () => {
    const registry = SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR, join(FIXTURES, 'objects-extra')]);

    expect(describeGlobal(registry, API_VERSION).sobjects.map((s) => s.name)).toEqual([
      'Account',
      'Case',
      'Contact',
      'Invoice__c',
      'Lead',
      'Opportunity',
      'Project__c',
    ]);
    const account = describeOf(registry, 'Account');
    expect(account.fields.map((f) => f.name)).toContain('Region__c');
    expect(account.fields.map((f) => f.name)).not.toContain('Industry');
    expect(requiredOnInsert(account)).toEqual(['Name', 'Region__c']);
    expect(account.childRelationships.map((c) => [c.childSObject, c.relationshipName])).toContainEqual([
      'Project__c',
      'Projects__r',
    ]);
    const project = describeOf(registry, 'Project__c');
    expect(project).toMatchObject({ keyPrefix: 'a02', custom: true, label: 'Project' });
    expect(fieldOf(project, 'Project_Code__c')).toMatchObject({ externalId: true, idLookup: true, unique: true });
    expect(fieldOf(project, 'Phase__c').picklistValues.find((v) => v.defaultValue)?.value).toBe('Plan');
  });

  test('the same directories in the other order keep the builtin Account', () => {
    const registry = SchemaRegistry.fromDirectories([join(FIXTURES, 'objects-extra'), BUILTIN_OBJECTS_DIR]);

    expect(registry.get('Account')!.fieldsByLowerName.has('industry')).toBe(true);
  });

  test('a field of an unknown type is rejected naming the file and the field', () => {
    const file = join(FIXTURES, 'objects-broken', 'bad-type', 'Widget__c.json');

    expect(() =>
      SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR, join(FIXTURES, 'objects-broken', 'bad-type')]),
    ).toThrow(expect.objectContaining({ file, message: expect.stringContaining('field Size__c: type "text"') }));
    expect(() => SchemaRegistry.fromDirectories([join(FIXTURES, 'objects-broken', 'bad-type')])).toThrow(
      SObjectSchemaError,
    );
  });

  test('a field named like a member of every JavaScript object is rejected naming the file and the field', () => {
    const directory = join(FIXTURES, 'objects-broken', 'prototype-field');

    expect(() => SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR, directory])).toThrow(
      expect.objectContaining({
        file: join(directory, 'Gimmick__c.json'),
        message: expect.stringContaining(
          'field toString: the name is taken by every JavaScript object, which the emulator stores records as; no Salesforce field has it: rename the field (custom fields end in __c)',
        ),
      }),
    );
  });

  test('a file that is not JSON is rejected naming the file', () => {
    const directory = join(FIXTURES, 'objects-broken', 'not-json');

    expect(() => SchemaRegistry.fromDirectories([directory])).toThrow(SObjectSchemaError);
    expect(() => SchemaRegistry.fromDirectories([directory])).toThrow(
      expect.objectContaining({
        file: join(directory, 'Gadget__c.json'),
        message: expect.stringContaining('not valid JSON'),
      }),
    );
  });

  test('an object that reuses a key prefix is rejected naming its file', () => {
    const directory = join(FIXTURES, 'objects-broken', 'key-prefix-clash');

    expect(() => SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR, directory])).toThrow(
      expect.objectContaining({
        file: join(directory, 'Gizmo__c.json'),
        message: expect.stringContaining('keyPrefix "a01" of Gizmo__c is already used by Invoice__c'),
      }),
    );
  });

  test('a schema directory that does not exist is rejected naming it', () => {
    const directory = join(FIXTURES, 'no-such-objects');

    expect(() => SchemaRegistry.fromDirectories([directory])).toThrow(
      expect.objectContaining({
        file: directory,
        message: expect.stringContaining('cannot read the schema directory'),
      }),
    );
  });
});
