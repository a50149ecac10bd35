import { GetObjectCommand } from '@aws-sdk/client-s3';
import { LoadEvent, writeRunManifest } from '../../src/pipeline';
import { contactsWithBadRows } from '../support/contact-data';
import { sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/**
 * Issue 15 item 9: `--run-id` given again silently replaced the earlier manifest. A run id is reused on
 * purpose (Glue resumes a workflow run with its run id), so the second run is not refused: its manifest goes
 * next to the first, under the next free number, and a warning names the earlier one. Against moto (S3
 * conditional writes), through the embedded default.
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await TestStack.start();
});
afterAll(() => stack?.stop());

async function read(key: string): Promise<Record<string, unknown>> {
  const out = await stack.aws.s3.send(new GetObjectCommand({ Bucket: stack.description.buckets.logs, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
}

describe('writeRunManifest never replaces a manifest', () => {
  const bucket = () => stack.description.buckets.logs;
  const key = '_sfetl/runs/helper-1/dev/Contact.json';

  test('free key, then .2.json and .3.json, each warning naming the one before; earlier ones unchanged', async () => {
    const events: LoadEvent[] = [];
    const write = (attempt: number) =>
      writeRunManifest({
        s3: stack.aws.s3,
        bucket: bucket(),
        key,
        object: 'Contact',
        emit: (e) => events.push(e),
        manifest: { runId: 'helper-1', attempt },
      });

    expect(await write(1)).toBe('s3://sfetl-logs/_sfetl/runs/helper-1/dev/Contact.json');
    expect(events).toEqual([]);
    expect(await write(2)).toBe('s3://sfetl-logs/_sfetl/runs/helper-1/dev/Contact.2.json');
    expect(await write(3)).toBe('s3://sfetl-logs/_sfetl/runs/helper-1/dev/Contact.3.json');
    expect(events).toEqual([
      {
        type: 'warning',
        object: 'Contact',
        message:
          'this run id was used before: its manifest s3://sfetl-logs/_sfetl/runs/helper-1/dev/Contact.json is kept, ' +
          "this run's is s3://sfetl-logs/_sfetl/runs/helper-1/dev/Contact.2.json",
      },
      {
        type: 'warning',
        object: 'Contact',
        message:
          'this run id was used before: its manifest s3://sfetl-logs/_sfetl/runs/helper-1/dev/Contact.2.json is kept, ' +
          "this run's is s3://sfetl-logs/_sfetl/runs/helper-1/dev/Contact.3.json",
      },
    ]);
    expect(await read(key)).toEqual({ runId: 'helper-1', attempt: 1 });
    expect(await read('_sfetl/runs/helper-1/dev/Contact.2.json')).toEqual({ runId: 'helper-1', attempt: 2 });
    expect(await read('_sfetl/runs/helper-1/dev/Contact.3.json')).toEqual({ runId: 'helper-1', attempt: 3 });
  });

  test('the same manifest written again (an S3 retry after the write took effect) is that manifest, no copy', async () => {
    const events: LoadEvent[] = [];
    const props = {
      s3: stack.aws.s3,
      bucket: bucket(),
      key: '_sfetl/runs/helper-2/dev/Contact.json',
      object: 'Contact',
      emit: (e: LoadEvent) => events.push(e),
      manifest: { runId: 'helper-2', writtenAt: '2026-12-06T00:00:00.000Z' },
    };
    expect(await writeRunManifest(props)).toBe('s3://sfetl-logs/_sfetl/runs/helper-2/dev/Contact.json');
    expect(await writeRunManifest(props)).toBe('s3://sfetl-logs/_sfetl/runs/helper-2/dev/Contact.json');
    expect(events).toEqual([]);
    expect(await stack.logKeys('_sfetl/runs/helper-2/')).toEqual(['_sfetl/runs/helper-2/dev/Contact.json']);
  });
});

test('sfetl load with a --run-id used before: loads, keeps the earlier manifest, writes .2.json, warns', async () => {
  const source = await stack.putSource('reuse/contacts.csv', contactsWithBadRows(10, {}, '', 'REUSE-').csv);
  const config = stack.configWith('reuse.yaml', (c) => {
    // upsert: the second load updates the records the first created.
    c.objects = [{ name: 'Contact', source, operation: 'upsert', externalIdField: 'Ext_Id__c', loadOrder: 1 }];
  });
  const load = (...extra: string[]) =>
    sfetlInProcess([
      'load',
      '--config',
      config,
      '--env',
      'qa',
      '--output',
      'json',
      '--run-id',
      'glue-resumed',
      ...extra,
    ]);

  const first = await load();
  expect(first.code).toBe(0);
  const earlier = await read('_sfetl/runs/glue-resumed/qa/Contact.json');

  // The file is loaded (its ledger says done): --force loads it again, under the same run id.
  const second = await load('--force');
  expect(second.code).toBe(0);
  expect(second.json).toContainEqual(
    expect.objectContaining({
      event: 'warning',
      object: 'Contact',
      message:
        'this run id was used before: its manifest s3://sfetl-logs/_sfetl/runs/glue-resumed/qa/Contact.json is kept, ' +
        "this run's is s3://sfetl-logs/_sfetl/runs/glue-resumed/qa/Contact.2.json",
    }),
  );
  const summary = second.json.find((e) => e.event === 'summary') as Record<string, unknown>;
  expect(summary.manifests).toEqual(['s3://sfetl-logs/_sfetl/runs/glue-resumed/qa/Contact.2.json']);
  expect(await read('_sfetl/runs/glue-resumed/qa/Contact.json')).toEqual(earlier);
  expect(await read('_sfetl/runs/glue-resumed/qa/Contact.2.json')).toMatchObject({
    runId: 'glue-resumed',
    rowsRead: 10,
  });
  expect(await stack.logKeys('_sfetl/runs/glue-resumed/')).toEqual([
    '_sfetl/runs/glue-resumed/qa/Contact.2.json',
    '_sfetl/runs/glue-resumed/qa/Contact.json',
  ]);
});
