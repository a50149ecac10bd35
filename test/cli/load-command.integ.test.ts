import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetPartitionsCommand } from '@aws-sdk/client-glue';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { run } from '../../src/cli/main';
import { contactsWithBadRows, GeneratedFile } from '../support/contact-data';
import { Capture, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/** Runs `sfetl load` in process; returns the exit code and what it wrote. */
async function load(stack: TestStack, args: readonly string[], config = stack.config) {
  const out = new Capture();
  const err = new Capture();
  const errWrite = process.stderr.write.bind(process.stderr);
  let code: number;
  process.stderr.write = ((chunk: string | Uint8Array) => err.stream.write(chunk)) as typeof process.stderr.write;
  try {
    code = await run(['load', '--config', config, '--output', 'json', ...args], out.stream);
  } finally {
    process.stderr.write = errWrite;
  }
  return { code, out, err, events: out.jsonLines() };
}

/** A copy of the stack's config with some settings changed. */
function configWith(stack: TestStack, name: string, change: (config: Record<string, any>) => void): string {
  const config = parseYaml(readFileSync(stack.config, 'utf8')) as Record<string, any>;
  change(config);
  const path = join(stack.dir, name);
  writeFileSync(path, toYaml(config));
  return path;
}

function summary(events: Record<string, unknown>[]): Record<string, any> {
  return events.find((e) => e.event === 'summary') as Record<string, any>;
}

describe('sfetl load against the embedded default', () => {
  let stack: TestStack;
  let contacts: GeneratedFile;

  beforeAll(async () => {
    stack = await TestStack.start();
    contacts = contactsWithBadRows(10_000, {
      REQUIRED_FIELD_MISSING: 30,
      INVALID_EMAIL_ADDRESS: 30,
      STRING_TOO_LONG: 20,
      INVALID_TYPE_ON_FIELD_IN_RECORD: 20,
      SFETL_COLUMN_COUNT: 20,
      SFETL_MALFORMED_QUOTES: 17,
    });
  });
  afterAll(() => stack?.stop());

  test('--env qa loads 10,000 Contacts into the qa org only and logs every row, Glue-registered', async () => {
    const source = await stack.putSource('runs/qa/contacts.csv', contacts.csv);
    const insertConfig = configWith(stack, 'insert.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    });
    const result = await load(stack, ['--env', 'qa', '--run-id', 'run-qa-1'], insertConfig);
    expect(result.err.text).toBe('');
    expect(result.code).toBe(0);

    for (const env of ['dev', 'uat', 'prod']) {
      expect((await stack.orgQuery(env, 'SELECT COUNT() FROM Contact')).totalSize).toBe(0);
    }
    const orgIds = (await stack.orgQuery<{ Id: string }>('qa', 'SELECT Id FROM Contact')).records.map((r) => r.Id);
    expect(orgIds).toHaveLength(9_863);

    const s = summary(result.events);
    const contactSummary = s.objects[0];
    const successLocation = contactSummary.logs.find((l: string) => l.includes('/success/'));
    const failureLocation = contactSummary.logs.find((l: string) => l.includes('/failure/'));
    expect(successLocation).toMatch(
      /^s3:\/\/sfetl-logs\/success\/Contact\/run_id=run-qa-1\/env=qa\/created_time=\d{14}\/$/,
    );
    expect(failureLocation).toMatch(
      /^s3:\/\/sfetl-logs\/failure\/Contact\/run_id=run-qa-1\/env=qa\/created_time=\d{14}\/$/,
    );

    const successRows = await stack.readParquet(successLocation);
    expect(successRows).toHaveLength(9_863);
    expect(new Set(successRows.map((r) => r.sf__Id))).toEqual(new Set(orgIds));
    expect(successRows.every((r) => r.sf__Created === 'true' && /^750/.test(r.sf__JobId ?? ''))).toBe(true);

    const failureRows = await stack.readParquet(failureLocation);
    expect(failureRows).toHaveLength(137);
    for (const row of failureRows) {
      const ext = String(row.Ext_Id__c).slice(0, 9);
      const expected = contacts.bad.get(ext);
      expect({ ext, error: row.sf__Error?.split(':')[0] }).toEqual({ ext, error: expected });
      if (expected?.startsWith('SFETL_')) {
        expect(row.sf__JobId).toBe('');
        expect(row.sf__Error).toMatch(/line \d+/);
      } else {
        expect(row.sf__JobId).toMatch(/^750/);
      }
    }

    const partitions = await stack.aws.glue.send(
      new GetPartitionsCommand({ DatabaseName: 'sfetl_logs', TableName: 'contact' }),
    );
    const registered = (partitions.Partitions ?? []).map((p) => ({
      values: p.Values,
      location: p.StorageDescriptor?.Location,
    }));
    expect(registered).toHaveLength(2);
    for (const p of registered) {
      const rows = await stack.readParquet(p.location!);
      expect(rows).toHaveLength(p.values![0] === 'success' ? 9_863 : 137);
      expect(p.values!.slice(1, 3)).toEqual(['run-qa-1', 'qa']);
    }
    expect(registered.map((p) => p.location).sort()).toEqual([failureLocation, successLocation].sort());
  });

  test('the exit code follows the failure-rate threshold', async () => {
    const source = await stack.putSource('runs/dev/contacts.csv', contacts.csv);
    const strict = configWith(stack, 'strict.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
      c.limits.failureRateThreshold = 0.01;
    });
    const result = await load(stack, ['--env', 'dev'], strict);
    expect(result.code).toBe(2);
    expect(result.err.text).toMatch(/1\.37% of the rows failed \(threshold 1\.00%\)/);
    expect((await stack.orgQuery('dev', 'SELECT COUNT() FROM Contact')).totalSize).toBe(9_863);
  });
});
