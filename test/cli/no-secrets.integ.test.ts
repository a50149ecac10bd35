import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetPartitionsCommand, GetTablesCommand } from '@aws-sdk/client-glue';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { OrgEmulator } from '../../packages/emulator/src';
import { run } from '../../src/cli/main';
import { contactsWithBadRows } from '../support/contact-data';
import { Capture, TestStack } from '../support/stack';

jest.setTimeout(300_000);

const JWT_DIR = join(__dirname, '../../packages/emulator/test/fixtures/jwt');
const PRIVATE_KEY = readFileSync(join(JWT_DIR, 'jwt-key.pem'), 'utf8');
const OTHER_KEY = readFileSync(join(JWT_DIR, 'other-key.pem'), 'utf8');
/** A session id as Salesforce (and the emulator) issues it: the 15-character org id, "!", then the secret part. */
const ACCESS_TOKEN = /00D[0-9A-Za-z]{12}![0-9A-Za-z._-]{16,}/;
/** A client secret no org has: what a mistyped secret looks like. */
const WRONG_SECRET = 'wr0ng-S3CRET-8d1f0c5e2b7a4e6f9c3d';

/**
 * DESIGN.md §2.4: secrets never appear in any log line, error or manifest. Every run below (a load that
 * succeeds, with client credentials and with JWT, and the ways a run fails around credentials) adds what it
 * printed to one pile; the last test adds every object of the log bucket and the Glue tables, and searches
 * all of it for every secret the runs could have seen.
 */
describe('no secret value in output, logs, manifests or errors', () => {
  let stack: TestStack;
  let jwtOrg: OrgEmulator;
  /** Everything a person or a machine could read after the runs, by where it came from. */
  const seen: { where: string; text: string }[] = [];
  const secrets: string[] = [];

  beforeAll(async () => {
    stack = await TestStack.start();
    // The stack's orgs take client credentials only; this one also trusts the test JWT certificate.
    jwtOrg = await OrgEmulator.start({
      orgs: [{ name: 'uat', jwtCertificate: readFileSync(join(JWT_DIR, 'jwt-cert.pem'), 'utf8') }],
    });
    const orgs = [...Object.values(stack.description.orgs), ...Object.values(jwtOrg.orgs)];
    secrets.push(...orgs.map((o) => o.clientSecret), WRONG_SECRET);
    for (const key of [PRIVATE_KEY, OTHER_KEY]) {
      secrets.push(key.trim());
      // A key leaked in part is leaked: every line of its base64 body is searched for on its own.
      secrets.push(...key.split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----')));
    }
    await putSecret(
      'sfetl/not-json',
      `clientId=${stack.description.orgs.dev!.clientId}\nclientSecret=${stack.description.orgs.dev!.clientSecret}`,
    );
    await putSecret(
      'sfetl/wrong-keys',
      JSON.stringify({
        client_id: stack.description.orgs.dev!.clientId,
        client_secret: stack.description.orgs.dev!.clientSecret,
      }),
    );
    // The right client id with another org's secret, and with a made-up one: the org refuses both.
    await putSecret(
      'sfetl/other-orgs-secret',
      JSON.stringify({
        clientId: stack.description.orgs.dev!.clientId,
        clientSecret: stack.description.orgs.qa!.clientSecret,
      }),
    );
    await putSecret(
      'sfetl/wrong-secret',
      JSON.stringify({ clientId: stack.description.orgs.dev!.clientId, clientSecret: WRONG_SECRET }),
    );
    const jwt = jwtOrg.orgs.uat!;
    await putSecret(
      'sfetl/jwt',
      JSON.stringify({ clientId: jwt.clientId, username: jwt.username, privateKey: PRIVATE_KEY }),
    );
    await putSecret(
      'sfetl/jwt-other-key',
      JSON.stringify({ clientId: jwt.clientId, username: jwt.username, privateKey: OTHER_KEY }),
    );
    await putSecret(
      'sfetl/jwt-broken-key',
      JSON.stringify({ clientId: jwt.clientId, username: jwt.username, privateKey: PRIVATE_KEY.replace(/\n/g, ' ') }),
    );
  });
  afterAll(async () => {
    await jwtOrg?.stop();
    await stack?.stop();
  });

  async function putSecret(name: string, value: string): Promise<void> {
    await stack.aws.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  }

  /** The stack's config loading Contacts from `source` into every env, with some settings changed. */
  function config(name: string, source: string, change: (c: Record<string, any>) => void = () => undefined): string {
    const c = parseYaml(readFileSync(stack.config, 'utf8')) as Record<string, any>;
    c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    const jwt = jwtOrg.orgs.uat!;
    c.environments.uat = {
      instanceUrl: jwt.instanceUrl,
      loginUrl: jwt.loginUrl,
      apiVersion: '66.0',
      auth: { type: 'jwt', secretId: 'sfetl/jwt' },
    };
    change(c);
    const path = join(stack.dir, `no-secrets-${name}.yaml`);
    writeFileSync(path, toYaml(c));
    return path;
  }

  /** Runs `sfetl load` in process; whatever reaches stdout or stderr, by any route, joins the pile. */
  async function load(what: string, args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
    const out = new Capture();
    const err = new Capture();
    const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    process.stdout.write = ((chunk: string | Uint8Array) => out.stream.write(chunk)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => err.stream.write(chunk)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await run(['load', ...args], out.stream);
    } finally {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
    }
    seen.push({ where: `${what}: stdout`, text: out.text }, { where: `${what}: stderr`, text: err.text });
    return { code, out: out.text, err: err.text };
  }

  let contacts: string;
  beforeAll(async () => {
    contacts = await stack.putSource(
      'no-secrets/contacts.csv',
      contactsWithBadRows(2_000, { INVALID_EMAIL_ADDRESS: 5, SFETL_COLUMN_COUNT: 5 }).csv,
    );
  });

  test('a load with client credentials, JSON lines and terminal text', async () => {
    const cfg = config('ok', contacts);
    const json = await load('client credentials, json', ['--config', cfg, '--env', 'dev', '--output', 'json']);
    expect(json.code).toBe(0);
    expect(json.out).toContain('"event":"summary"');
    const text = await load('client credentials, text', ['--config', cfg, '--env', 'qa', '--output', 'text']);
    expect(text.code).toBe(0);
  });

  test('--secret-file: the credentials come from a local file instead of Secrets Manager', async () => {
    // The env's secret does not exist: without the override the load stops at the secret. A file of its
    // own: dev has loaded `contacts` already, and a loaded file is not loaded again.
    const source = await stack.putSource('no-secrets/secret-file.csv', contactsWithBadRows(500, {}).csv);
    const cfg = config('secret-file', source, (c) => (c.environments.dev.auth.secretId = 'sfetl/not-created'));
    const without = await load('secret file: none', ['--config', cfg, '--env', 'dev']);
    expect(without.code).toBe(1);
    expect(without.err).toContain('Secret "sfetl/not-created" was not found in AWS Secrets Manager');

    const dev = stack.description.orgs.dev!;
    await fetch(`${dev.controlUrl}/reset`, { method: 'POST' });
    const file = join(stack.dir, 'dev-credentials.json');
    writeFileSync(file, JSON.stringify({ clientId: dev.clientId, clientSecret: dev.clientSecret }));
    const withFile = await load('secret file', ['--config', cfg, '--env', 'dev', '--secret-file', file]);
    expect(withFile.err).toBe('');
    expect(withFile.code).toBe(0);
    expect((await stack.orgQuery('dev', 'SELECT COUNT() FROM Contact')).totalSize).toBe(500);

    const missing = await load('secret file: missing', [
      ...['--config', cfg, '--env', 'dev', '--secret-file', join(stack.dir, 'nowhere.json')],
    ]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/Secret file ".*nowhere\.json" does not exist; pass the path of a readable JSON file/);

    const notJson = join(stack.dir, 'not-json-credentials.txt');
    writeFileSync(notJson, `clientSecret=${dev.clientSecret}`);
    const broken = await load('secret file: not JSON', ['--config', cfg, '--env', 'dev', '--secret-file', notJson]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/Secret "file:.*not-json-credentials\.txt" is not valid JSON/);
    expect(broken.err.split('\n').filter(Boolean)).toHaveLength(1);
  });

  test('a load with JWT bearer credentials', async () => {
    const result = await load('jwt', ['--config', config('jwt', contacts), '--env', 'uat', '--output', 'json']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
  });

  test('a load whose session expires and is renewed mid-run', async () => {
    const qa = stack.description.orgs.qa!;
    await fetch(`${qa.controlUrl}/reset`, { method: 'POST' }); // the same Ext_Id__c values were loaded above
    await fetch(`${qa.controlUrl}/faults`, { method: 'PUT', body: JSON.stringify({ sessionExpiryAfterCalls: 3 }) });
    try {
      // A file of its own: qa has loaded `contacts` already, and a loaded file is not loaded again.
      const source = await stack.putSource('no-secrets/session.csv', contactsWithBadRows(2_000, {}).csv);
      const cfg = config('session', source, (c) => (c.limits.maxJobRows = 500));
      const result = await load('session renewal', ['--config', cfg, '--env', 'qa', '--output', 'json']);
      expect(result.code).toBe(0);
      expect(result.out).toContain('"event":"summary","runId"');
      expect(result.out).toMatch(/"event":"summary".*"rowsRead":2000,"success":2000/);
    } finally {
      await fetch(`${qa.controlUrl}/faults`, { method: 'PUT', body: '{}' });
    }
  });

  const refused: [string, string, (c: Record<string, any>) => void, RegExp][] = [
    [
      'a secret that is not JSON',
      'dev',
      (c) => (c.environments.dev.auth.secretId = 'sfetl/not-json'),
      /Secret "sfetl\/not-json" is not valid JSON; store it as a JSON object/,
    ],
    [
      'a secret with the wrong key names',
      'dev',
      (c) => (c.environments.dev.auth.secretId = 'sfetl/wrong-keys'),
      /secret sfetl\/wrong-keys: auth type client_credentials needs the keys clientId, clientSecret; missing or empty: clientId, clientSecret/,
    ],
    [
      "a secret holding another org's clientSecret",
      'dev',
      (c) => (c.environments.dev.auth.secretId = 'sfetl/other-orgs-secret'),
      /refused the credentials \(invalid_client/,
    ],
    [
      'a secret holding a wrong clientSecret',
      'dev',
      (c) => (c.environments.dev.auth.secretId = 'sfetl/wrong-secret'),
      /refused the credentials \(invalid_client/,
    ],
    [
      'a JWT signed with a key the org does not trust',
      'uat',
      (c) => (c.environments.uat.auth.secretId = 'sfetl/jwt-other-key'),
      /refused the credentials \(invalid_grant/,
    ],
    [
      'a JWT private key that is not PEM',
      'uat',
      (c) => (c.environments.uat.auth.secretId = 'sfetl/jwt-broken-key'),
      /secret sfetl\/jwt-broken-key: privateKey is not a PEM private key; store the connected app key in PEM form/,
    ],
  ];

  test.each(refused)('%s: exit 1, the secret not repeated', async (what, env, change, message) => {
    const jobsBefore = env === 'dev' ? await stack.jobCount('dev') : 0;
    const result = await load(what, ['--config', config(what.replace(/\W+/g, '-'), contacts, change), '--env', env]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.err).not.toContain('unexpected error');
    if (env === 'dev') expect(await stack.jobCount('dev')).toBe(jobsBefore);
  });

  test('a preflight failure: exit 1, the message names columns, not credentials', async () => {
    const source = await stack.putSource('no-secrets/bad-header.csv', 'LastName,Emial\nNg,ng@example.com\n');
    const result = await load('preflight', ['--config', config('preflight', source), '--env', 'dev']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('column Emial is not a field of Contact (did you mean Email?); rename the column');
  });

  test('an org that answers every call with 500: the API error names the call, not the session', async () => {
    const prod = stack.description.orgs.prod!;
    await fetch(`${prod.controlUrl}/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: 0, http5xxRate: 1 }) });
    try {
      const cfg = config('server-errors', contacts, (c) => (c.limits.httpAttempts = 1));
      const result = await load('server errors', ['--config', cfg, '--env', 'prod', '--confirm-env', 'prod']);
      expect(result.code).not.toBe(0);
      expect(result.err.length).toBeGreaterThan(0);
    } finally {
      await fetch(`${prod.controlUrl}/faults`, { method: 'PUT', body: '{}' });
    }
  });

  test('nothing printed, logged or registered holds a secret or an access token', async () => {
    const bucket = stack.description.buckets.logs;
    const keys = await stack.logKeys('');
    // The pile must hold what the runs wrote, or the search below proves nothing.
    expect(keys.some((k) => k.startsWith('_sfetl/runs/') && k.endsWith('.json'))).toBe(true);
    expect(keys.some((k) => k.startsWith('success/Contact/') && k.endsWith('.parquet'))).toBe(true);
    expect(keys.some((k) => k.startsWith('failure/Contact/') && k.endsWith('.parquet'))).toBe(true);
    for (const key of keys) {
      if (key.endsWith('.parquet')) {
        const rows = await stack.readParquet(`s3://${bucket}/${key}`);
        expect(rows.length).toBeGreaterThan(0);
        seen.push({ where: `s3://${bucket}/${key}`, text: JSON.stringify(rows) });
      } else {
        const object = await stack.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        seen.push({ where: `s3://${bucket}/${key}`, text: await object.Body!.transformToString() });
      }
    }
    const tables = await stack.aws.glue.send(new GetTablesCommand({ DatabaseName: stack.description.glueDatabase }));
    seen.push({ where: 'Glue tables', text: JSON.stringify(tables.TableList) });
    for (const table of tables.TableList ?? []) {
      const partitions = await stack.aws.glue.send(
        new GetPartitionsCommand({ DatabaseName: stack.description.glueDatabase, TableName: table.Name! }),
      );
      seen.push({ where: `Glue partitions of ${table.Name}`, text: JSON.stringify(partitions.Partitions) });
    }

    expect(secrets.length).toBeGreaterThan(10);
    const leaks = seen.flatMap(({ where, text }) => [
      // Named by position in the list, so that a failing test does not print the secret either.
      ...secrets.flatMap((s, i) => (text.includes(s) ? [`${where}: secret no. ${i}`] : [])),
      ...(ACCESS_TOKEN.test(text) ? [`${where}: an access token`] : []),
      ...(/Bearer\s+\S/.test(text) ? [`${where}: an Authorization header`] : []),
    ]);
    expect(leaks).toEqual([]);
  });
});
