import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobState } from '../src/bulk-ingest';
import { csvRows } from '../src/csv-rows';
import { OrgEmulator } from '../src/org-emulator';
import { until } from './support/until';

const ROWS = 2_000;
const TERMINAL: readonly JobState[] = ['JobComplete', 'Failed', 'Aborted'];
/** 2,000 records at 2,000 per second: ten chunks of 200, each taking 100 ms. */
const ORGS = [{ name: 'dev', recordsPerSecond: 2_000 }];

/**
 * `n` contacts, each row told apart by its FirstName; every tenth has no LastName (so it fails), and some
 * values are quoted, one over two lines.
 */
function contactsCsv(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const lastName = i % 10 === 9 ? '' : i % 3 === 0 ? `"Last ""${i}"", multi\nline"` : `Last${i}`;
    return `Row${i},${lastName}`;
  });
  return ['FirstName,LastName', ...rows].join('\n') + '\n';
}

/** The FirstName of every row of a result CSV, and the value of one of its sf__ columns. */
function resultRows(text: string, column: string): { firstNames: string[]; values: string[] } {
  const [header, ...rows] = [...csvRows(text, ',')];
  const at = header!.indexOf(column);
  const firstName = header!.indexOf('FirstName');
  return { firstNames: rows.map((r) => r[firstName]!), values: rows.map((r) => r[at]!) };
}

async function csv(emulator: OrgEmulator, id: string, kind: 'successful' | 'failed' | 'unprocessed'): Promise<string> {
  return (await emulator.org('dev').ingest.results(id, kind)).join('');
}

describe('an emulator restarted with its data directory while a job is InProgress', () => {
  let dataDir: string;
  const running: OrgEmulator[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sfetl-emulator-restart-'));
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<OrgEmulator> {
    const emulator = await OrgEmulator.start({ orgs: ORGS, dataDir });
    running.push(emulator);
    return emulator;
  }

  /** Starts an insert of ROWS contacts and stops the emulator once some chunks (not all) are applied. */
  async function interruptedJob(beforeStop: (id: string, emulator: OrgEmulator) => void = () => {}): Promise<string> {
    const first = await start();
    const ingest = first.org('dev').ingest;
    const id = ingest.create({ object: 'Contact', operation: 'insert' }, 66).id as string;
    ingest.upload(id, Buffer.from(contactsCsv(ROWS), 'utf8'));
    ingest.setState(id, 'UploadComplete');
    await until(() => first.org('dev').data.count('Contact') >= 400, '400 contacts stored');
    expect(ingest.get(id).state).toBe('InProgress');
    beforeStop(id, first);
    await first.stop();
    return id;
  }

  test('the job resumes after the rows it had processed: each row is applied and reported once', async () => {
    const id = await interruptedJob();
    const second = await start();
    const ingest = second.org('dev').ingest;
    await until(() => TERMINAL.includes(ingest.get(id).state as JobState), 'the job ending');

    expect(ingest.get(id)).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: ROWS,
      numberRecordsFailed: ROWS / 10,
    });
    const successful = resultRows(await csv(second, id, 'successful'), 'sf__Id');
    const failed = resultRows(await csv(second, id, 'failed'), 'sf__Error');
    expect(successful.values.length + failed.values.length).toBe(ROWS);
    expect(new Set(successful.values).size).toBe(ROWS - ROWS / 10);
    expect([...successful.firstNames, ...failed.firstNames].sort()).toEqual(
      Array.from({ length: ROWS }, (_, i) => `Row${i}`).sort(),
    );
    const contacts = [...second.org('dev').data.records('Contact')];
    expect(contacts).toHaveLength(ROWS - ROWS / 10);
    expect(new Set(contacts.map((c) => c.Id))).toEqual(new Set(successful.values));
  });

  test('a job aborted while InProgress keeps its loaded rows and gives every other row as unprocessed', async () => {
    const id = await interruptedJob((jobId, first) => first.org('dev').ingest.setState(jobId, 'Aborted'));
    const second = await start();
    const ingest = second.org('dev').ingest;

    expect(ingest.get(id)).toMatchObject({ state: 'Aborted' });
    const successful = resultRows(await csv(second, id, 'successful'), 'sf__Id');
    const failed = resultRows(await csv(second, id, 'failed'), 'sf__Error');
    const unprocessed = [...csvRows(await csv(second, id, 'unprocessed'), ',')].slice(1).map((r) => r[0]!);
    expect(unprocessed.length).toBeGreaterThan(0);
    expect([...successful.firstNames, ...failed.firstNames, ...unprocessed].sort()).toEqual(
      Array.from({ length: ROWS }, (_, i) => `Row${i}`).sort(),
    );
    expect(second.org('dev').data.count('Contact')).toBe(successful.values.length);
    // The org's own pace as the clock: a later job of 600 rows takes 300 ms at 2,000 rows/s; once it is done,
    // the aborted job has applied nothing more in that time.
    const later = ingest.create({ object: 'Contact', operation: 'insert' }, 66).id as string;
    ingest.upload(later, Buffer.from(contactsCsv(600), 'utf8'));
    ingest.setState(later, 'UploadComplete');
    await until(() => TERMINAL.includes(ingest.get(later).state as JobState), 'the later job ending');
    const { numberRecordsProcessed, numberRecordsFailed } = ingest.get(later) as Record<string, number>;
    expect(numberRecordsProcessed).toBe(600);
    expect(second.org('dev').data.count('Contact')).toBe(
      successful.values.length + numberRecordsProcessed - numberRecordsFailed,
    );
  });
});
