import { Traffic } from '../../packages/emulator/src';
import { contactsWithBadRows, GeneratedFile } from '../support/contact-data';
import { sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/**
 * `sfetl load` downloads result CSVs gzip-compressed (Salesforce: "Use Compression for Bulk API 2.0 Ingest
 * Responses") and logs the same rows whether the org compressed them or not.
 */
describe('sfetl load: result CSVs gzip-compressed on the wire', () => {
  let stack: TestStack;
  let contacts: GeneratedFile;

  beforeAll(async () => {
    stack = await TestStack.start();
    contacts = contactsWithBadRows(5_000, { INVALID_EMAIL_ADDRESS: 40, STRING_TOO_LONG: 10 });
  });
  afterAll(() => stack?.stop());

  const traffic = async (env: string): Promise<Traffic> =>
    (await (await fetch(`${stack.description.orgs[env]!.controlUrl}/traffic`)).json()) as Traffic;

  /** Loads the file into `env` with `faults` set on its org; the events, the org's result traffic and the log rows. */
  async function loadInto(env: string, faults: Record<string, unknown>) {
    const org = stack.description.orgs[env]!;
    await fetch(`${org.controlUrl}/faults`, { method: 'PUT', body: JSON.stringify(faults) });
    const source = await stack.putSource(`compressed/${env}/contacts.csv`, contacts.csv);
    const config = stack.configWith(`compressed-${env}.yaml`, (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    });
    const before = await traffic(env);
    try {
      const result = await sfetlInProcess(['load', '--config', config, '--env', env, '--output', 'json']);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      const after = await traffic(env);
      const summary = result.json.find((e) => e.event === 'summary') as Record<string, any>;
      const logs = summary.objects[0].logs as string[];
      const rows = async (status: string) =>
        (await stack.readParquet(logs.find((l) => l.includes(`/${status}/`))!))
          .map((r) => `${r.Ext_Id__c}|${r.LastName}|${r.Email}|${r.Description}|${r.sf__Error ?? ''}`)
          .sort();
      return {
        fetched: result.json.filter((e) => e.event === 'results-fetched') as Record<string, any>[],
        resultBytesOnWire: after.results.bytesSent - before.results.bytesSent,
        resultCsvBytes: after.results.csvBytes - before.results.csvBytes,
        success: await rows('success'),
        failure: await rows('failure'),
      };
    } finally {
      await fetch(`${org.controlUrl}/faults`, { method: 'PUT', body: '{}' });
    }
  }

  test('the runner asks for gzip, the org sends it compressed, and the logs hold the same rows as uncompressed', async () => {
    const compressed = await loadInto('dev', {});
    // The org may answer uncompressed although asked; the runner then saves the answer as it is.
    const plain = await loadInto('qa', { ignoreAcceptEncoding: true });

    expect(compressed.fetched.length).toBeGreaterThan(0);
    for (const e of compressed.fetched) {
      expect(e.compressed).toBe(3);
      expect(e.wireBytes).toBeLessThan(e.bytes / 3);
    }
    for (const e of plain.fetched) {
      expect(e.compressed).toBe(0);
      expect(e.wireBytes).toBe(e.bytes);
    }
    // The runner's count of what it received agrees with what the org's sockets wrote (plus headers).
    const received = (load: typeof compressed) => load.fetched.reduce((sum, e) => sum + (e.wireBytes as number), 0);
    expect(compressed.resultBytesOnWire).toBeGreaterThan(received(compressed));
    expect(compressed.resultBytesOnWire).toBeLessThan(received(compressed) + 2_000 * compressed.fetched.length);
    expect(compressed.resultBytesOnWire).toBeLessThan(plain.resultBytesOnWire / 3);
    expect(compressed.resultCsvBytes).toBe(plain.resultCsvBytes);

    expect(compressed.success).toHaveLength(4_950);
    expect(compressed.failure).toHaveLength(50);
    expect(compressed.success).toEqual(plain.success);
    expect(compressed.failure).toEqual(plain.failure);
  });
});
