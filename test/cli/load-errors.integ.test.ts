import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateDatabaseCommand, CreateTableCommand } from '@aws-sdk/client-glue';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { contactsWithBadRows } from '../support/contact-data';
import { fakeOrg } from '../support/fake-org';
import { loadThroughSeams, sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(300_000);

let stack: TestStack;
let secretFile: string;

beforeAll(async () => {
  stack = await TestStack.start();
  const dev = stack.description.orgs.dev!;
  secretFile = join(stack.dir, 'dev-secret.json');
  writeFileSync(secretFile, JSON.stringify({ clientId: dev.clientId, clientSecret: dev.clientSecret }));
});
afterAll(() => stack?.stop());

/** `sfetl load` as a person runs it (src/cli/main.ts): the exit code and what it printed on stderr. */
async function load(config: string, ...args: string[]) {
  const result = await sfetlInProcess(['load', '--config', config, '--env', 'dev', '--output', 'json', ...args]);
  return { code: result.code, err: result.err, events: result.json };
}

/** DESIGN.md §2.4: every non-zero exit prints one line that says what to do; no stack trace, no secret. */
function expectOneLine(err: string): void {
  expect(err.endsWith('\n')).toBe(true);
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err).not.toMatch(/unexpected error|\n\s+at /);
  for (const org of Object.values(stack.description.orgs)) expect(err).not.toContain(org.clientSecret);
}

/** An HTTP server on loopback that answers every request as S3 does when it refuses one. */
async function refusingS3(
  status: number,
  code: string,
  message: string,
): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'Content-Type': 'application/xml' });
    res.end(
      req.method === 'HEAD'
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>1</RequestId></Error>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A loopback endpoint nothing listens on. */
async function closedEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('sfetl load: infrastructure errors are one line saying what to check (exit 1)', () => {
  test('a log database that holds a "contact" table that is not a log table', async () => {
    await stack.aws.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'shared_catalog' } }));
    await stack.aws.glue.send(
      new CreateTableCommand({
        DatabaseName: 'shared_catalog',
        TableInput: {
          Name: 'contact',
          PartitionKeys: [{ Name: 'dt', Type: 'string' }],
          StorageDescriptor: { Columns: [{ Name: 'id', Type: 'string' }], Location: 's3://elsewhere/contact/' },
        },
      }),
    );
    const config = stack.configWith('shared-catalog.yaml', (c) => {
      c.logs.glueDatabase = 'shared_catalog';
    });
    const source = await stack.putSource('catalog/contacts.csv', contactsWithBadRows(50, {}).csv);
    const jobsBefore = await stack.jobCount('dev');

    const result = await load(config, '--object', 'Contact', '--source', source);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'sfetl load: Glue table shared_catalog.contact exists but is partitioned by (dt), not (status, run_id, env, created_time); ' +
        'it is not a log table. Choose another log database, or drop that table (the log database is logs.glueDatabase in the configuration)\n',
    );
    expectOneLine(result.err);
    expect(await stack.jobCount('dev')).toBe(jobsBefore);
  });

  test('S3 that refuses access', async () => {
    const { endpoint, server } = await refusingS3(403, 'AccessDenied', 'Access Denied');
    try {
      const config = stack.configWith('denied.yaml', (c) => {
        c.aws.endpoint = endpoint;
      });
      const result = await load(
        config,
        '--secret-file',
        secretFile,
        '--object',
        'Contact',
        '--source',
        's3://sfetl-source/denied/contacts.csv',
      );
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        'sfetl load: S3 refused s3:GetObject on s3://sfetl-source/denied/contacts.csv (access denied); ' +
          'grant this role s3:GetObject on it; then run again (a rerun resumes)\n',
      );
      expectOneLine(result.err);
    } finally {
      server.close();
    }
  });

  test('an S3 error no part translates names the error, the endpoint and the region to check', async () => {
    const { endpoint, server } = await refusingS3(400, 'InvalidArgument', 'Invalid argument from the test server');
    try {
      const config = stack.configWith('odd-s3.yaml', (c) => {
        c.aws.endpoint = `${endpoint}/`;
      });
      const result = await load(
        config,
        '--secret-file',
        secretFile,
        '--object',
        'Contact',
        '--source',
        's3://sfetl-source/odd/',
      );
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        'sfetl load: an AWS request failed (InvalidArgument: Invalid argument from the test server, HTTP 400); ' +
          `check that ${endpoint} in us-east-1 (aws.endpoint and aws.region in the configuration) answers, ` +
          "and this role's credentials and permissions; then run again (a rerun resumes)\n",
      );
      expectOneLine(result.err);
    } finally {
      server.close();
    }
  });

  test('an aws.endpoint with a user name and password is refused before any AWS call, the password not repeated', async () => {
    const { endpoint, server } = await refusingS3(400, 'InvalidArgument', 'Invalid argument from the test server');
    let requests = 0;
    server.on('request', () => requests++);
    try {
      const config = stack.configWith('userinfo-endpoint.yaml', (c) => {
        c.aws.endpoint = `${endpoint.replace('http://', 'http://user:pass-4e2a@')}/`;
      });
      const result = await sfetlInProcess(['load', '--config', config, '--env', 'dev', '--output', 'json']);
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `sfetl load: ${config}: aws.endpoint: must not contain a user name or password (found \`${endpoint.replace('http://', 'http://***@')}\`); ` +
          'AWS credentials come from this role, or from the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables on a laptop\n' +
          `fix ${config} and run again\n`,
      );
      expect(result.err).not.toContain('pass-4e2a');
      expect(result.err).not.toMatch(/unexpected error|\n\s+at /);
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });

  test('an --source with a user name and password is refused naming it without them', async () => {
    const result = await load(
      stack.config,
      '--secret-file',
      secretFile,
      '--object',
      'Contact',
      '--source',
      's3://admin:pass-4e2a@sfetl-source/contacts.csv',
    );
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'sfetl load: --source must not contain a user name or password (found `s3://***@sfetl-source`); S3 reads with the AWS credentials of this role; give s3://<bucket>/<prefix>/\n',
    );
    expectOneLine(result.err);
    expect(result.err).not.toContain('pass-4e2a');
  });

  test('an AWS endpoint that does not answer, when reading the secret and when listing the sources', async () => {
    const endpoint = await closedEndpoint();
    const config = stack.configWith('unreachable.yaml', (c) => {
      c.aws.endpoint = endpoint;
      c.limits.httpAttempts = 1;
    });
    const fix =
      `check that ${endpoint} in us-east-1 (aws.endpoint and aws.region in the configuration) answers, ` +
      "and this role's credentials and permissions; then run again (a rerun resumes)";

    const secret = await load(config, '--object', 'Contact');
    expect(secret.code).toBe(1);
    expect(secret.err).toMatch(
      /^sfetl load: an AWS request reading the secret sfetl\/dev failed \([^)]*connect ECONNREFUSED 127\.0\.0\.1:\d+\); /,
    );
    expect(secret.err).toContain(fix);
    expectOneLine(secret.err);

    const sources = await load(config, '--secret-file', secretFile, '--object', 'Contact');
    expect(sources.code).toBe(1);
    expect(sources.err).toMatch(/^sfetl load: an AWS request failed \([^)]*connect ECONNREFUSED 127\.0\.0\.1:\d+\); /);
    expect(sources.err).toContain(fix);
    expectOneLine(sources.err);
  });
});

describe('sfetl load: a login URL that is not a working token endpoint is not "refused credentials" (exit 1)', () => {
  test('a login URL nothing listens on', async () => {
    const loginUrl = await closedEndpoint();
    const config = stack.configWith('login-closed.yaml', (c) => (c.environments.dev.loginUrl = loginUrl));
    const result = await load(config, '--object', 'Contact');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      new RegExp(
        `^sfetl load: cannot reach the login URL ${loginUrl} \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\): ` +
          'check environments\\.dev\\.loginUrl and the network\n$',
      ),
    );
    expect(result.err).not.toContain('refused the credentials');
    expectOneLine(result.err);
  });

  test('a login URL whose host name does not resolve', async () => {
    const config = stack.configWith(
      'login-dns.yaml',
      (c) => (c.environments.dev.loginUrl = 'https://sfetl-login-test.invalid'),
    );
    const result = await load(config, '--object', 'Contact');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /^sfetl load: cannot reach the login URL https:\/\/sfetl-login-test\.invalid \(getaddrinfo (ENOTFOUND|EAI_AGAIN) sfetl-login-test\.invalid\): check environments\.dev\.loginUrl and the network\n$/,
    );
    expectOneLine(result.err);
  });

  test('a login URL that answers with a web page', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><body>Intranet portal</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const loginUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const config = stack.configWith('login-html.yaml', (c) => (c.environments.dev.loginUrl = loginUrl));
      const result = await load(config, '--object', 'Contact');
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `sfetl load: the login URL ${loginUrl} answered HTTP 200 (text/html; charset=utf-8), not an OAuth token response; ` +
          "check environments.dev.loginUrl: the org's My Domain URL, or https://login.salesforce.com (https://test.salesforce.com for a sandbox) for JWT\n",
      );
      expectOneLine(result.err);
    } finally {
      server.close();
    }
  });
});

describe('sfetl load: an org address that answers with something else than the API (exit 1, one line)', () => {
  const TOKEN = '00D000000000001!AQ4AQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6LYUfiDUkWe6H34r1AAwOR8B8f';

  /** Answers the token request as Salesforce does; every API call with an HTML page that echoes its headers. */
  const htmlOrg = (status: number) =>
    fakeOrg(TOKEN, (req, res) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<html><body><h1>Sign in</h1><pre>Authorization: ${req.headers.authorization}</pre></body></html>`);
    });

  test.each([200, 503])(
    'HTML with status %d: says what answered and what to check; the token never appears',
    async (status) => {
      const { base, server } = await htmlOrg(status);
      try {
        const config = stack.configWith(`html-org-${status}.yaml`, (c) => {
          c.environments.dev.instanceUrl = base;
          c.environments.dev.loginUrl = base;
          // This stand-in org is the env's org now: pinned to the org id its token names.
          c.environments.dev.orgId = '00D000000000001EAA';
          c.limits.httpAttempts = 1;
        });
        const source = await stack.putSource(`html-org/contacts-${status}.csv`, contactsWithBadRows(5, {}).csv);
        const result = await sfetlInProcess([
          ...['load', '--config', config, '--env', 'dev', '--output', 'json', '--secret-file', secretFile],
          ...['--object', 'Contact', '--source', source],
        ]);
        expect(result.code).toBe(1);
        expectOneLine(result.err);
        expect(result.err).toMatch(
          new RegExp(
            `^sfetl load: Salesforce API call failed: GET /services/data/v66\\.0/[^ ?]+: HTTP ${status} (SFETL_NOT_JSON|HTTP_${status}): ` +
              'the org answered with text/html instead of JSON',
          ),
        );
        expect(result.err).toContain(
          'that no proxy answers in its place, and whether the org shows a maintenance page',
        );
        for (const text of [result.err, result.out]) {
          expect(text).not.toContain(TOKEN);
          expect(text).not.toMatch(/Bearer\s+\S/);
        }
      } finally {
        server.close();
      }
    },
  );
});

describe('sfetl load --config s3://… reads the configuration from the endpoint in AWS_ENDPOINT_URL(_S3)', () => {
  /** `sfetl load` in process with its own environment variables. */
  async function loadWithEnv(
    args: readonly string[],
    vars: { AWS_ENDPOINT_URL: string; AWS_ENDPOINT_URL_S3?: string },
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...vars };
    if (vars.AWS_ENDPOINT_URL_S3 === undefined) delete env.AWS_ENDPOINT_URL_S3;
    return loadThroughSeams(args, { env });
  }

  test('a dry run with the configuration kept in the stack’s moto', async () => {
    const configUri = `s3://${stack.description.buckets.logs}/config/sfetl-stack.yaml`;
    await stack.putSource('config-in-s3/contacts.csv', contactsWithBadRows(120, { SFETL_COLUMN_COUNT: 1 }).csv);
    await stack.aws.s3.send(
      new PutObjectCommand({
        Bucket: stack.description.buckets.logs,
        Key: 'config/sfetl-stack.yaml',
        Body: readFileSync(stack.config),
      }),
    );
    const args = [
      '--config',
      configUri,
      '--env',
      'dev',
      '--object',
      'Contact',
      '--source',
      's3://sfetl-source/config-in-s3/contacts.csv',
      '--dry-run',
    ];
    const moto = stack.description.aws.endpoint;

    for (const vars of [
      { AWS_ENDPOINT_URL: moto },
      // The S3-specific variable wins, as in the AWS SDKs and CLI.
      { AWS_ENDPOINT_URL: await closedEndpoint(), AWS_ENDPOINT_URL_S3: moto },
    ]) {
      const result = await loadWithEnv(args, vars);
      expect({ code: result.code, message: result.message }).toEqual({ code: 0, message: '' });
      const summary = result.events.find((e) => e.event === 'summary') as Record<string, any>;
      expect(summary).toMatchObject({ dryRun: true, rowsRead: 120, failure: 1 });
      expect(summary.objects).toEqual([
        expect.objectContaining({ object: 'Contact', files: 1, rows: 120, rejected: 1 }),
      ]);
    }
  });
});
