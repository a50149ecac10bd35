import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, ConfigProblem, parseConfig, SfetlConfig } from '../../src/config';

const FIXTURES = join(__dirname, '..', 'fixtures', 'config');
/** No AWS_REGION from the machine that runs the tests. */
const NO_ENV = { env: {} };

/** A parsed fixture document (YAML or JSON), as loadConfig hands it to parseConfig. */
function document(name: string): any {
  const text = readFileSync(join(FIXTURES, name), 'utf8');
  return name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

function configError(raw: unknown, source = 'config.yaml'): ConfigError {
  try {
    parseConfig(raw, source, NO_ENV);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

/** minimal.yaml with one change: the mistake under test. */
function minimalWith(change: (doc: any) => void): unknown {
  const doc = document('minimal.yaml');
  change(doc);
  return doc;
}

const DEFAULT_LIMITS = {
  failureRateThreshold: 0.05,
  concurrency: 4,
  maxJobBytes: 100_000_000,
  maxJobRows: 10_000_000,
  pollIntervalMs: 1000,
  pollMaxIntervalMs: 30_000,
  jobTimeoutMinutes: 240,
  maxRecordAttempts: 3,
  httpAttempts: 6,
  leaseSeconds: 300,
};

describe('a valid configuration', () => {
  test('every key set: values kept, objects in load order (ties in file order), URLs without trailing slash', () => {
    const config = parseConfig(document('valid.yaml'), 'valid.yaml', NO_ENV);
    expect(config).toEqual<SfetlConfig>({
      environments: {
        dev: {
          name: 'dev',
          instanceUrl: 'https://acme--dev.sandbox.my.salesforce.com',
          loginUrl: 'https://test.salesforce.com',
          apiVersion: '66.0',
          auth: { type: 'client_credentials', secretId: 'sfetl/dev' },
          protected: false,
        },
        qa: {
          name: 'qa',
          instanceUrl: 'https://acme--qa.sandbox.my.salesforce.com',
          loginUrl: 'https://acme--qa.sandbox.my.salesforce.com',
          apiVersion: '65.0',
          auth: { type: 'client_credentials', secretId: 'sfetl/qa' },
          protected: false,
        },
        uat: {
          name: 'uat',
          instanceUrl: 'https://acme--uat.sandbox.my.salesforce.com',
          orgId: '00D8E000000AbCd',
          loginUrl: 'https://test.salesforce.com',
          apiVersion: '66.0',
          auth: { type: 'jwt', secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfetl/uat-AbCdEf' },
          protected: true,
        },
        prod: {
          name: 'prod',
          instanceUrl: 'https://acme.my.salesforce.com',
          orgId: '00D5g000004XyZaEAK',
          loginUrl: 'https://login.salesforce.com',
          apiVersion: '66.0',
          auth: { type: 'jwt', secretId: 'sfetl/prod' },
          protected: true,
        },
      },
      objects: [
        {
          name: 'Account',
          source: 's3://src-bucket/accounts/',
          operation: 'upsert',
          externalIdField: 'Ext_Id__c',
          loadOrder: 1,
          columnMapping: {},
        },
        {
          name: 'Contact',
          source: 's3://src-bucket/contacts/contacts.csv',
          operation: 'insert',
          loadOrder: 2,
          columnMapping: { email_address: 'Email', 'Account Ext Id': 'Account.Ext_Id__c' },
        },
        {
          name: 'Invoice__c',
          source: 's3://src-bucket/invoices/',
          operation: 'update',
          loadOrder: 2,
          columnMapping: {},
        },
        {
          name: 'Lead',
          source: 's3://src-bucket/leads-to-delete/',
          operation: 'hardDelete',
          loadOrder: 100,
          columnMapping: {},
        },
      ],
      logs: {
        bucket: 'my-log-bucket',
        prefix: 'sfetl/',
        glueDatabase: 'sfetl_logs_prod',
        statePrefix: 'sfetl/_state/',
      },
      limits: {
        failureRateThreshold: 0.01,
        concurrency: 8,
        maxJobBytes: 50_000_000,
        maxJobRows: 1_000_000,
        pollIntervalMs: 2000,
        pollMaxIntervalMs: 60_000,
        jobTimeoutMinutes: 480,
        maxRecordAttempts: 3,
        httpAttempts: 6,
        leaseSeconds: 300,
      },
      retryErrorCodes: ['UNABLE_TO_LOCK_ROW'],
      aws: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000' },
    });
  });

  test('only the required keys: every default filled in', () => {
    const config = parseConfig(document('minimal.yaml'), 'minimal.yaml', NO_ENV);
    expect(Object.values(config.environments).map((e) => [e.name, e.protected])).toEqual([
      ['dev', false],
      ['qa', false],
      ['uat', false],
      ['prod', true],
    ]);
    expect(config.objects).toEqual([
      {
        name: 'Account',
        source: 's3://src-bucket/accounts/',
        operation: 'insert',
        loadOrder: 100,
        columnMapping: {},
      },
    ]);
    expect(config.objects[0]).not.toHaveProperty('externalIdField');
    // A changed file is refused unless an object says otherwise.
    expect(config.objects[0]).not.toHaveProperty('onChangedFile');
    expect(config.logs).toEqual({
      bucket: 'my-log-bucket',
      prefix: '',
      glueDatabase: 'sfetl_logs',
      statePrefix: '_sfetl/',
    });
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    expect(config.aws).toEqual({ region: 'us-east-1' });
  });

  test('the same document as JSON gives the same configuration', () => {
    expect(parseConfig(document('minimal.json'), 'minimal.json', NO_ENV)).toEqual(
      parseConfig(document('minimal.yaml'), 'minimal.yaml', NO_ENV),
    );
  });

  test.each([
    [{ AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'ap-south-1' }, 'eu-central-1'],
    [{ AWS_DEFAULT_REGION: 'ap-south-1' }, 'ap-south-1'],
    [{}, 'us-east-1'],
  ])('aws.region defaults to AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1: %j', (env, region) => {
    expect(parseConfig(document('minimal.yaml'), 'minimal.yaml', { env }).aws.region).toBe(region);
  });

  test('a configured aws.region wins over AWS_REGION', () => {
    const raw = minimalWith((d) => (d.aws = { region: 'eu-west-1' }));
    expect(parseConfig(raw, 'config.yaml', { env: { AWS_REGION: 'us-west-2' } }).aws).toEqual({ region: 'eu-west-1' });
  });

  test('prod may be unprotected when the file says so; any other env may be protected', () => {
    const raw = minimalWith((d) => {
      d.environments.prod.protected = false;
      d.environments.qa.protected = true;
    });
    const config = parseConfig(raw, 'config.yaml', NO_ENV);
    expect(config.environments.prod.protected).toBe(false);
    expect(config.environments.qa.protected).toBe(true);
  });

  test.each([
    ['a field', 'Email'],
    ['a custom field', 'Ext_Id__c'],
    ['a relationship by external id', 'Account.Ext_Id__c'],
    ['a polymorphic relationship', 'Lead:Who.Ext_Id__c'],
  ])('columnMapping may map a column to %s: %s', (_, field) => {
    const raw = minimalWith((d) => (d.objects[0].columnMapping = { 'Source Column': field }));
    expect(parseConfig(raw, 'config.yaml', NO_ENV).objects[0].columnMapping).toEqual({ 'Source Column': field });
  });

  test('optional sections left empty in YAML (every entry commented out) take their defaults', () => {
    const raw = minimalWith((d) => {
      d.limits = null;
      d.aws = null;
      d.objects[0].columnMapping = null;
    });
    const config = parseConfig(raw, 'config.yaml', NO_ENV);
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    expect(config.aws).toEqual({ region: 'us-east-1' });
    expect(config.objects[0].columnMapping).toEqual({});
  });

  test('limits may be set one by one; the others keep their defaults', () => {
    const raw = minimalWith((d) => (d.limits = { concurrency: 25, failureRateThreshold: 0 }));
    expect(parseConfig(raw, 'config.yaml', NO_ENV).limits).toEqual({
      ...DEFAULT_LIMITS,
      concurrency: 25,
      failureRateThreshold: 0,
    });
  });
});

describe('a mistake is reported with its path and what to do', () => {
  // Each row: one change to minimal.yaml, and the one problem it must give.
  test.each<[string, (doc: any) => void, string, string]>([
    // wrong type, missing, empty
    [
      'a string of the wrong type',
      (d) => (d.environments.dev.instanceUrl = 42),
      'environments.dev.instanceUrl',
      'must be a string, not the number 42',
    ],
    [
      'a mapping given as a string',
      (d) => (d.environments.qa.auth = 'client_credentials'),
      'environments.qa.auth',
      'must be a mapping with type and secretId, not the string "client_credentials"',
    ],
    [
      'a missing required key',
      (d) => delete d.environments.qa.apiVersion,
      'environments.qa.apiVersion',
      'missing; add apiVersion: "66.0"',
    ],
    [
      'an empty required string',
      (d) => (d.environments.dev.auth.secretId = ''),
      'environments.dev.auth.secretId',
      'is empty; set secretId: sfetl/dev',
    ],
    [
      'an optional key left empty in YAML',
      (d) => (d.logs.prefix = null),
      'logs.prefix',
      'is empty; give a value, or remove the key to use the default',
    ],
    ['logs missing', (d) => delete d.logs, 'logs', 'missing; add logs: { bucket: my-log-bucket }'],
    ['objects is not a list', (d) => (d.objects = d.objects[0]), 'objects', 'must be a list of objects, not a mapping'],
    [
      'objects is empty',
      (d) => (d.objects = []),
      'objects',
      'is empty; list at least one object, e.g. - { name: Account, source: s3://my-bucket/accounts/, operation: insert }',
    ],
    [
      'protected is not a boolean',
      (d) => (d.environments.uat.protected = 'yes'),
      'environments.uat.protected',
      'must be true or false, not the string "yes"',
    ],
    // unknown keys
    [
      'an unknown key near a known one',
      (d) => {
        d.environments.dev.loginURL = d.environments.dev.loginUrl;
        delete d.environments.dev.loginUrl;
      },
      'environments.dev.loginURL',
      'unknown key "loginURL"; did you mean "loginUrl"? (keys here: instanceUrl, orgId, loginUrl, apiVersion, auth, protected)',
    ],
    [
      'an unknown key near no known one',
      (d) => (d.version = 2),
      'version',
      'unknown key "version"; remove it (keys here: environments, objects, logs, limits, retryErrorCodes, aws)',
    ],
    [
      'orgId spelled with a capital D',
      (d) => (d.environments.prod.orgID = '00D5g000004XyZaEAK'),
      'environments.prod.orgID',
      'unknown key "orgID"; did you mean "orgId"? (keys here: instanceUrl, orgId, loginUrl, apiVersion, auth, protected)',
    ],
    [
      'an unknown limit',
      (d) => (d.limits = { concurency: 8 }),
      'limits.concurency',
      'unknown key "concurency"; did you mean "concurrency"? (keys here: failureRateThreshold, concurrency, maxJobBytes, maxJobRows, pollIntervalMs, pollMaxIntervalMs, jobTimeoutMinutes, maxRecordAttempts, httpAttempts, leaseSeconds)',
    ],
    [
      'a credential pasted into the file',
      (d) => (d.environments.prod.auth.privateKey = '-----BEGIN PRIVATE KEY-----'),
      'environments.prod.auth.privateKey',
      '"privateKey" looks like a credential, which never goes in this file; put it in the Secrets Manager secret named by auth.secretId (see docs/configuration.md)',
    ],
    // environments
    [
      'an environment missing',
      (d) => delete d.environments.uat,
      'environments.uat',
      'missing; every configuration defines dev, qa, uat and prod: add uat: { instanceUrl, loginUrl, apiVersion, auth }',
    ],
    [
      'an environment misspelled',
      (d) => {
        d.environments.uta = d.environments.uat;
        delete d.environments.uat;
      },
      'environments.uta',
      '"uta" is not an environment; did you mean "uat"? (dev, qa, uat, prod)',
    ],
    [
      'an environment outside the four',
      (d) => (d.environments.staging = d.environments.uat),
      'environments.staging',
      '"staging" is not an environment; use one of dev, qa, uat, prod',
    ],
    [
      'apiVersion as a YAML number',
      (d) => (d.environments.qa.apiVersion = 66),
      'environments.qa.apiVersion',
      'must be a string like "66.0", not the number 66; quote it: apiVersion: "66.0"',
    ],
    [
      'apiVersion not like "66.0"',
      (d) => (d.environments.qa.apiVersion = 'v66'),
      'environments.qa.apiVersion',
      '"v66" is not an API version; use the form "66.0"',
    ],
    [
      'apiVersion older than Bulk API 2.0',
      (d) => (d.environments.qa.apiVersion = '40.0'),
      'environments.qa.apiVersion',
      '"40.0" is too old for Bulk API 2.0, which needs "41.0" or later; use e.g. "66.0"',
    ],
    [
      'a URL without a scheme',
      (d) => (d.environments.prod.loginUrl = 'login.salesforce.com'),
      'environments.prod.loginUrl',
      '"login.salesforce.com" is not an http(s) URL; use e.g. https://acme.my.salesforce.com',
    ],
    [
      'a URL that is not http(s)',
      (d) => (d.environments.prod.instanceUrl = 'ftp://acme.my.salesforce.com'),
      'environments.prod.instanceUrl',
      '"ftp://acme.my.salesforce.com" is not an http(s) URL; use e.g. https://acme.my.salesforce.com',
    ],
    [
      'an org id that is not one',
      (d) => (d.environments.prod.orgId = '005xx000001Sv6A'),
      'environments.prod.orgId',
      '"005xx000001Sv6A" is not an org id; use the org\'s 15- or 18-character id that starts with 00D (Setup → Company Information → Salesforce.com Organization ID), e.g. 00D5g000004XyZaEAK',
    ],
    [
      'an org id of 16 characters',
      (d) => (d.environments.prod.orgId = '00D5g000004XyZaE'),
      'environments.prod.orgId',
      '"00D5g000004XyZaE" is not an org id; use the org\'s 15- or 18-character id that starts with 00D (Setup → Company Information → Salesforce.com Organization ID), e.g. 00D5g000004XyZaEAK',
    ],
    [
      'an org id given as a number',
      (d) => (d.environments.dev.orgId = 42),
      'environments.dev.orgId',
      'must be a string, not the number 42',
    ],
    [
      'an auth type in the wrong case',
      (d) => (d.environments.prod.auth.type = 'JWT'),
      'environments.prod.auth.type',
      '"JWT" is not an auth type; did you mean "jwt"? (client_credentials, jwt)',
    ],
    // objects
    [
      'an operation misspelled',
      (d) => (d.objects[0].operation = 'upsrt'),
      'objects[0].operation',
      '"upsrt" is not an operation; did you mean "upsert"? (insert, update, upsert, delete, hardDelete)',
    ],
    [
      'an operation Bulk API 2.0 does not have',
      (d) => (d.objects[0].operation = 'merge'),
      'objects[0].operation',
      '"merge" is not an operation; use one of insert, update, upsert, delete, hardDelete',
    ],
    [
      'a changed-file policy misspelled',
      (d) => (d.objects[0].onChangedFile = 'skip-loaded'),
      'objects[0].onChangedFile',
      '"skip-loaded" is not a changed-file policy; did you mean "skip-loaded-rows"? (refuse, skip-loaded-rows, load-all)',
    ],
    [
      'upsert without externalIdField',
      (d) => (d.objects[0].operation = 'upsert'),
      'objects[0].externalIdField',
      'missing; upsert matches records by an external id: add externalIdField: Ext_Id__c (or Id)',
    ],
    [
      'externalIdField on another operation',
      (d) => {
        d.objects[0].operation = 'delete';
        d.objects[0].externalIdField = 'Ext_Id__c';
      },
      'objects[0].externalIdField',
      'only upsert uses an external id field, delete does not; remove externalIdField or change operation to upsert',
    ],
    [
      'an object name that is not an API name',
      (d) => (d.objects[0].name = 'Sales Order'),
      'objects[0].name',
      '"Sales Order" is not an API name; use the name as Salesforce spells it, e.g. Contact, Invoice__c or Ext_Id__c',
    ],
    [
      'an object name that tries path traversal',
      (d) => (d.objects[0].name = '../Account'),
      'objects[0].name',
      '"../Account" is not an API name; use the name as Salesforce spells it, e.g. Contact, Invoice__c or Ext_Id__c',
    ],
    [
      'an object name with control characters (shown escaped)',
      (d) => (d.objects[0].name = 'Account\u001b[2J\n'),
      'objects[0].name',
      '"Account\\u001b[2J\\u000a" is not an API name; use the name as Salesforce spells it, e.g. Contact, Invoice__c or Ext_Id__c',
    ],
    [
      'an object name longer than any sObject API name',
      (d) => (d.objects[0].name = `A${'a'.repeat(80)}`),
      'objects[0].name',
      'is 81 characters long, more than any sObject API name (at most 80, namespace and suffix included); use the name as Salesforce spells it',
    ],
    [
      'an object listed twice (names are case-insensitive)',
      (d) => d.objects.push({ ...d.objects[0], name: 'ACCOUNT', source: 's3://src-bucket/more/' }),
      'objects[1].name',
      '"ACCOUNT" is already listed at objects[0].name; list each object once (one source prefix can hold many files)',
    ],
    [
      'a source that is not an S3 URI',
      (d) => (d.objects[0].source = 'https://src-bucket.s3.amazonaws.com/accounts/'),
      'objects[0].source',
      '"https://src-bucket.s3.amazonaws.com/accounts/" is not an S3 URI; use s3://<bucket>/<prefix>/ (every .csv under it) or s3://<bucket>/<key>.csv',
    ],
    [
      'a source with only a bucket',
      (d) => (d.objects[0].source = 's3://src-bucket'),
      'objects[0].source',
      '"s3://src-bucket" names no prefix or key; add "/" to load every .csv in the bucket (s3://src-bucket/) or name a key',
    ],
    [
      'a source with an invalid bucket name',
      (d) => (d.objects[0].source = 's3://Src_Bucket/accounts/'),
      'objects[0].source',
      '"Src_Bucket" is not a valid S3 bucket name; use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (the S3 bucket naming rules)',
    ],
    [
      'a source with a wildcard',
      (d) => (d.objects[0].source = 's3://src-bucket/accounts/*.csv'),
      'objects[0].source',
      '"s3://src-bucket/accounts/*.csv" contains a wildcard, which S3 does not expand; give the prefix, ending with "/", and every .csv under it loads',
    ],
    [
      'a loadOrder that is not a whole number',
      (d) => (d.objects[0].loadOrder = 1.5),
      'objects[0].loadOrder',
      '1.5 is not a whole number; use an integer',
    ],
    [
      'a columnMapping value that is not a field name',
      (d) => (d.objects[0].columnMapping = { first_name: 'First Name' }),
      'objects[0].columnMapping.first_name',
      '"First Name" is not a field API name; map to a field (Email), or a relationship by external id (Account.Ext_Id__c)',
    ],
    [
      'a columnMapping value that is not a string',
      (d) => (d.objects[0].columnMapping = { 'Account Number': 7 }),
      'objects[0].columnMapping["Account Number"]',
      'must be a string, not the number 7',
    ],
    [
      'two columns mapped to one field (field names are case-insensitive)',
      (d) => (d.objects[0].columnMapping = { 'e-mail': 'Email', email_address: 'email' }),
      'objects[0].columnMapping.email_address',
      '"email" is already mapped from column "e-mail"; map each field from one column only',
    ],
    [
      'an empty column name',
      (d) => (d.objects[0].columnMapping = { '': 'Email' }),
      'objects[0].columnMapping[""]',
      'a source column name is empty; name the column as in the CSV header',
    ],
    // logs
    [
      'a log bucket given as a URI',
      (d) => (d.logs.bucket = 's3://my-log-bucket'),
      'logs.bucket',
      '"s3://my-log-bucket" is a URI; give the bucket name only, e.g. my-log-bucket',
    ],
    [
      'a log prefix without its trailing slash',
      (d) => (d.logs.prefix = 'sfetl'),
      'logs.prefix',
      '"sfetl" must be "" or end with "/" and not start with "/", e.g. "sfetl/"',
    ],
    [
      'a Glue database Athena cannot query',
      (d) => (d.logs.glueDatabase = 'Sfetl-Logs'),
      'logs.glueDatabase',
      '"Sfetl-Logs" is not a database name Athena can query; use lowercase letters, digits and underscores, e.g. sfetl_logs',
    ],
    [
      'a state prefix without its trailing slash',
      (d) => (d.logs.statePrefix = '_sfetl'),
      'logs.statePrefix',
      '"_sfetl" must end with "/" and not start with "/", e.g. "_sfetl/"',
    ],
    [
      'a state prefix under success/',
      (d) => (d.logs.statePrefix = 'success/_state/'),
      'logs.statePrefix',
      '"success/_state/" is inside the log tree "success/", where only log rows may live; use a prefix of its own, e.g. "_sfetl/"',
    ],
    [
      'a state prefix under <prefix>failure/',
      (d) => {
        d.logs.prefix = 'sfetl/';
        d.logs.statePrefix = 'sfetl/failure/';
      },
      'logs.statePrefix',
      '"sfetl/failure/" is inside the log tree "sfetl/failure/", where only log rows may live; use a prefix of its own, e.g. "_sfetl/"',
    ],
    [
      'a state prefix that contains the log trees',
      (d) => {
        d.logs.prefix = 'sfetl/';
        d.logs.statePrefix = 'sfetl/';
      },
      'logs.statePrefix',
      '"sfetl/" contains the log trees "sfetl/success/" and "sfetl/failure/"; use a prefix of its own, e.g. "_sfetl/"',
    ],
    // limits
    [
      'a failure rate given as a percentage',
      (d) => (d.limits = { failureRateThreshold: 5 }),
      'limits.failureRateThreshold',
      '5 is out of range; use a fraction from 0 to 1 (0.05 stops at 5% failed rows)',
    ],
    [
      'a negative failure rate',
      (d) => (d.limits = { failureRateThreshold: -0.1 }),
      'limits.failureRateThreshold',
      '-0.1 is out of range; use a fraction from 0 to 1 (0.05 stops at 5% failed rows)',
    ],
    ['concurrency 0', (d) => (d.limits = { concurrency: 0 }), 'limits.concurrency', '0 is out of range; use 1 to 25'],
    [
      'concurrency 26',
      (d) => (d.limits = { concurrency: 26 }),
      'limits.concurrency',
      '26 is out of range; use 1 to 25',
    ],
    [
      'concurrency as a string',
      (d) => (d.limits = { concurrency: '4' }),
      'limits.concurrency',
      'must be a whole number, not the string "4"',
    ],
    [
      'maxJobBytes over Salesforce’s 100 MB',
      (d) => (d.limits = { maxJobBytes: 150_000_000 }),
      'limits.maxJobBytes',
      '150000000 is out of range; use 1000 to 100000000 (a job holds the header line and at least one row; Salesforce accepts at most 100 MB of CSV per ingest job)',
    ],
    [
      'maxJobBytes 0',
      (d) => (d.limits = { maxJobBytes: 0 }),
      'limits.maxJobBytes',
      '0 is out of range; use 1000 to 100000000 (a job holds the header line and at least one row; Salesforce accepts at most 100 MB of CSV per ingest job)',
    ],
    [
      'maxJobBytes 10: no room for a header and a row',
      (d) => (d.limits = { maxJobBytes: 10 }),
      'limits.maxJobBytes',
      '10 is out of range; use 1000 to 100000000 (a job holds the header line and at least one row; Salesforce accepts at most 100 MB of CSV per ingest job)',
    ],
    ['maxJobRows 0', (d) => (d.limits = { maxJobRows: 0 }), 'limits.maxJobRows', '0 is out of range; use 1 or more'],
    [
      'pollMaxIntervalMs below pollIntervalMs',
      (d) => (d.limits = { pollIntervalMs: 5000, pollMaxIntervalMs: 2000 }),
      'limits.pollMaxIntervalMs',
      '2000 is below pollIntervalMs (5000); make it at least pollIntervalMs',
    ],
    [
      'pollIntervalMs above the default pollMaxIntervalMs',
      (d) => (d.limits = { pollIntervalMs: 60_000 }),
      'limits.pollIntervalMs',
      '60000 is above pollMaxIntervalMs (30000); lower it or raise pollMaxIntervalMs',
    ],
    // aws
    [
      'an AWS region that is not one',
      (d) => (d.aws = { region: 'US East' }),
      'aws.region',
      '"US East" is not an AWS region; use e.g. us-east-1',
    ],
    [
      'an endpoint without a scheme',
      (d) => (d.aws = { endpoint: 'localhost:5000' }),
      'aws.endpoint',
      '"localhost:5000" is not an http(s) URL; use e.g. http://127.0.0.1:5000 for moto, or remove it in AWS',
    ],
  ])('%s', (_, change, path, message) => {
    const err = configError(minimalWith(change));
    expect(err.problems).toEqual<ConfigProblem[]>([{ path, message }]);
    expect(err.message).toBe(`config.yaml: ${path}: ${message}`);
    expect(err.source).toBe('config.yaml');
  });

  test.each([
    ['an empty document', null, 'the file is empty; see docs/configuration.md for a complete example'],
    [
      'a list instead of a mapping',
      [{ environments: {} }],
      'the file must hold a mapping with environments, objects and logs, not a list; see docs/configuration.md',
    ],
  ])('%s is reported for the whole file', (_, raw, message) => {
    const err = configError(raw);
    expect(err.problems).toEqual([{ path: '', message }]);
    expect(err.message).toBe(`config.yaml: ${message}`);
  });
});

describe('several mistakes', () => {
  test('every mistake in the file is reported, in document order, one line each', () => {
    const err = configError(document('many-mistakes.yaml'), 'many-mistakes.yaml');
    expect(err.problems).toEqual<ConfigProblem[]>([
      {
        path: 'environments.dev.instanceURL',
        message:
          'unknown key "instanceURL"; did you mean "instanceUrl"? (keys here: instanceUrl, orgId, loginUrl, apiVersion, auth, protected)',
      },
      {
        path: 'environments.dev.loginUrl',
        message: '"test.salesforce.com" is not an http(s) URL; use e.g. https://acme.my.salesforce.com',
      },
      {
        path: 'environments.dev.apiVersion',
        message: 'must be a string like "66.0", not the number 66; quote it: apiVersion: "66.0"',
      },
      { path: 'environments.qa.apiVersion', message: '"v66" is not an API version; use the form "66.0"' },
      {
        path: 'environments.qa.auth.clientSecret',
        message:
          '"clientSecret" looks like a credential, which never goes in this file; put it in the Secrets Manager secret named by auth.secretId (see docs/configuration.md)',
      },
      {
        path: 'environments.qa.auth.type',
        message: '"oauth" is not an auth type; use one of client_credentials, jwt',
      },
      { path: 'environments.uat.protected', message: 'must be true or false, not the string "yes"' },
      {
        path: 'environments.production',
        message: '"production" is not an environment; did you mean "prod"? (dev, qa, uat, prod)',
      },
      {
        path: 'objects[0].externalIdField',
        message: 'missing; upsert matches records by an external id: add externalIdField: Ext_Id__c (or Id)',
      },
      {
        path: 'objects[1].source',
        message:
          '"/data/contacts.csv" is not an S3 URI; use s3://<bucket>/<prefix>/ (every .csv under it) or s3://<bucket>/<key>.csv',
      },
      {
        path: 'objects[1].externalIdField',
        message:
          'only upsert uses an external id field, insert does not; remove externalIdField or change operation to upsert',
      },
      {
        path: 'objects[2].operation',
        message: '"upsrt" is not an operation; did you mean "upsert"? (insert, update, upsert, delete, hardDelete)',
      },
      {
        path: 'objects[3].name',
        message:
          '"account" is already listed at objects[0].name; list each object once (one source prefix can hold many files)',
      },
      {
        path: 'objects[3].source',
        message:
          '"s3://src-bucket/more-accounts/*.csv" contains a wildcard, which S3 does not expand; give the prefix, ending with "/", and every .csv under it loads',
      },
      { path: 'objects[3].loadOrder', message: 'must be a whole number, not the string "first"' },
      {
        path: 'objects[3].columnMapping.email_address',
        message: '"email" is already mapped from column "e-mail"; map each field from one column only',
      },
      {
        path: 'objects[3].columnMapping["phone number"]',
        message:
          '"Mobile Phone" is not a field API name; map to a field (Email), or a relationship by external id (Account.Ext_Id__c)',
      },
      { path: 'logs.bucket', message: '"s3://my-log-bucket" is a URI; give the bucket name only, e.g. my-log-bucket' },
      {
        path: 'logs.statePrefix',
        message:
          '"success/_state/" is inside the log tree "success/", where only log rows may live; use a prefix of its own, e.g. "_sfetl/"',
      },
      {
        path: 'limits.timeoutMinutes',
        message:
          'unknown key "timeoutMinutes"; did you mean "jobTimeoutMinutes"? (keys here: failureRateThreshold, concurrency, maxJobBytes, maxJobRows, pollIntervalMs, pollMaxIntervalMs, jobTimeoutMinutes, maxRecordAttempts, httpAttempts, leaseSeconds)',
      },
      {
        path: 'limits.failureRateThreshold',
        message: '5 is out of range; use a fraction from 0 to 1 (0.05 stops at 5% failed rows)',
      },
      { path: 'limits.concurrency', message: '0 is out of range; use 1 to 25' },
      {
        path: 'limits.maxJobBytes',
        message:
          '150000000 is out of range; use 1000 to 100000000 (a job holds the header line and at least one row; Salesforce accepts at most 100 MB of CSV per ingest job)',
      },
      { path: 'limits.pollIntervalMs', message: '2.5 is not a whole number; use an integer' },
    ]);
  });

  test('the message has one line per problem, each prefixed with the source', () => {
    const err = configError(document('many-mistakes.yaml'), 'many-mistakes.yaml');
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(err.problems.length);
    expect(lines[11]).toBe(
      'many-mistakes.yaml: objects[2].operation: "upsrt" is not an operation; did you mean "upsert"? (insert, update, upsert, delete, hardDelete)',
    );
  });

  test('a secret pasted into the file never appears in the message', () => {
    const err = configError(document('many-mistakes.yaml'), 'many-mistakes.yaml');
    expect(err.message).not.toContain('hunter2');
  });

  test('a misspelled key is reported once, not also as the key it was meant to be', () => {
    const err = configError(document('many-mistakes.yaml'), 'many-mistakes.yaml');
    const paths = err.problems.map((p) => p.path);
    expect(paths).not.toContain('environments.dev.instanceUrl');
    expect(paths).not.toContain('environments.prod');
  });
});

describe('URLs with a user name or password are refused, and never repeated', () => {
  const PASSWORD = 'pw-9f3c1e';
  const SECRET = 'Adm1n-secret';
  const forEnvs = "put credentials in the env's secret (auth.secretId)";

  test.each<[string, (doc: any) => void, string, string]>([
    [
      'a loginUrl with a user name and password',
      (d) => (d.environments.dev.loginUrl = `http://admin:${PASSWORD}@host`),
      'environments.dev.loginUrl',
      `must not contain a user name or password (found \`http://***@host\`); ${forEnvs}`,
    ],
    [
      'an instanceUrl with a user name only',
      (d) => (d.environments.qa.instanceUrl = `https://${SECRET}@acme--qa.sandbox.my.salesforce.com/`),
      'environments.qa.instanceUrl',
      `must not contain a user name or password (found \`https://***@acme--qa.sandbox.my.salesforce.com\`); ${forEnvs}`,
    ],
    [
      'a loginUrl whose password holds an @ and whose slashes are missing (URL parsers accept both)',
      (d) => (d.environments.prod.loginUrl = `https:admin:${PASSWORD}@${SECRET}@login.salesforce.com`),
      'environments.prod.loginUrl',
      `must not contain a user name or password (found \`https://***@login.salesforce.com\`); ${forEnvs}`,
    ],
    [
      'an aws.endpoint with credentials',
      (d) => (d.aws = { endpoint: `http://${SECRET}:${PASSWORD}@127.0.0.1:5000` }),
      'aws.endpoint',
      'must not contain a user name or password (found `http://***@127.0.0.1:5000`); AWS credentials come from this role, or from the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables on a laptop',
    ],
    [
      'a source with credentials',
      (d) => (d.objects[0].source = `s3://${SECRET}:${PASSWORD}@src-bucket/accounts/`),
      'objects[0].source',
      'must not contain a user name or password (found `s3://***@src-bucket`); S3 reads with the AWS credentials of this role; give s3://<bucket>/<prefix>/',
    ],
    [
      'a loginUrl that is not an http(s) URL, with credentials',
      (d) => (d.environments.dev.loginUrl = `ftp://admin:${PASSWORD}@host`),
      'environments.dev.loginUrl',
      '"ftp://***@host" is not an http(s) URL; use e.g. https://acme.my.salesforce.com',
    ],
    [
      'an endpoint without a scheme, with credentials',
      (d) => (d.aws = { endpoint: `admin:${PASSWORD}@localhost:5000` }),
      'aws.endpoint',
      '"admin:***@localhost:5000" is not an http(s) URL; use e.g. http://127.0.0.1:5000 for moto, or remove it in AWS',
    ],
    [
      'a source that is not an S3 URI, with credentials',
      (d) => (d.objects[0].source = `https://${SECRET}:${PASSWORD}@src-bucket.s3.amazonaws.com/accounts/`),
      'objects[0].source',
      '"https://***@src-bucket.s3.amazonaws.com/accounts/" is not an S3 URI; use s3://<bucket>/<prefix>/ (every .csv under it) or s3://<bucket>/<key>.csv',
    ],
  ])('%s', (_, change, path, message) => {
    const err = configError(minimalWith(change));
    expect(err.problems).toEqual<ConfigProblem[]>([{ path, message }]);
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain(SECRET);
  });

  test('the source named in the message (an s3:// URI given to --config) is shown without its user info', () => {
    const err = configError(null, `s3://admin:${PASSWORD}@config-bucket/sfetl.yaml`);
    expect(err.message).toBe(
      's3://***@config-bucket/sfetl.yaml: the file is empty; see docs/configuration.md for a complete example',
    );
  });
});
