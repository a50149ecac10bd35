import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parse as parseYaml } from 'yaml';
import { StateLayout } from '../../src/catalog';
import { renderReport } from '../support/report-page';
import { sfetlInProcess, TestStack } from '../support/stack';

// A load and Chromium on the embedded default: a minute or two on a busy 2-core runner.
jest.setTimeout(240_000);

/**
 * The deployed report step (issue 18): `sfetl load --report` — what the Glue load job runs — writes the run's
 * report to `<statePrefix>reports/<run_id>/<env>.html` in the log bucket after the load, also when rows
 * failed, and says where.
 */
describe('sfetl load --report on the embedded default', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await TestStack.start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('the report lands at reports/<run_id>/<env>.html under the state prefix, with the run in it', async () => {
    const body = ['Ext_Id__c,LastName,Email', 'LR-1,Lovelace,ada@example.com', 'LR-2,Hopper,not-an-email', ''].join(
      '\n',
    );
    const source = await stack.putSource('load-report/contacts.csv', body);
    const config = stack.configWith('load-report.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
      c.limits = { ...c.limits, failureRateThreshold: 1 };
    });
    const result = await sfetlInProcess([
      'load',
      '--config',
      config,
      '--env',
      'dev',
      '--run-id',
      'load-report-1',
      '--report',
      '--output',
      'json',
    ]);
    expect(result.code).toBe(0);
    const logs = (parseYaml(readFileSync(config, 'utf8')) as { logs: { bucket: string; statePrefix: string } }).logs;
    const key = new StateLayout(logs.statePrefix).report('load-report-1', 'dev');
    const location = `s3://${logs.bucket}/${key}`;
    expect(result.json.find((e) => e.event === 'report')).toMatchObject({ location });

    const object = await stack.aws.s3.send(new GetObjectCommand({ Bucket: logs.bucket, Key: key }));
    const html = await object.Body!.transformToString('utf8');
    const file = join(stack.dir, 'load-report.html');
    writeFileSync(file, html);
    const page = await renderReport(file, join(stack.dir, 'load-report.png'));
    expect(page.summaryRows.map((r) => [r[0], r[1], r[2], r[4], r[5], r[6]])).toEqual([
      ['dev', 'Contact', 'load-report-1', '2', '1', '1'],
    ]);
  });
});
