import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contactsWithBadRows } from './contact-data';
import { sfetlInProcess, TestStack } from './stack';
import { formatCreatedTime } from '../../src/catalog';

const FIXTURES = join(__dirname, '..', 'fixtures', 'log-query');

/** Runs an `sfetl` command in process. */
export const sfetl = sfetlInProcess;

/** One object of a run as the load's summary reported it, with the error codes its bad rows must carry. */
export interface ObjectOutcome {
  readonly object: string;
  readonly rowsRead: number;
  readonly success: number;
  readonly failure: number;
  /** Error code → failed rows. */
  readonly errors: Readonly<Record<string, number>>;
  /** `created_time` of the run's log directories of this object. */
  readonly createdTimes: readonly string[];
}

export interface LoadedRun {
  readonly runId: string;
  readonly env: string;
  readonly objects: readonly ObjectOutcome[];
}

function countKinds(kinds: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Loads Contact and Invoice__c (the stack's configured sources) into one env; what the summary reported. */
async function loadRun(
  env: string,
  runId: string,
  config: string,
  errors: Record<string, Record<string, number>>,
): Promise<LoadedRun> {
  const args = ['load', '--config', config, '--env', env, '--object', 'Contact', '--object', 'Invoice__c'];
  const result = await sfetl([...args, '--run-id', runId, '--output', 'json']);
  // 2: loaded, with more failures than the stack's 5 % threshold, as the fixture's bad rows make it.
  if (result.code !== 0 && result.code !== 2) throw new Error(`sfetl load exited ${result.code}: ${result.err}`);
  const summary = result.json.find((e) => e.event === 'summary') as {
    objects: { object: string; rowsRead: number; success: number; failure: number; logs: string[] }[];
  };
  const objects = summary.objects.map((o) => {
    const expected = errors[o.object] ?? {};
    const failures = Object.values(expected).reduce((a, b) => a + b, 0);
    // The fixture's bad rows are the only failures; anything else would make every expectation below wrong.
    if (failures !== o.failure) throw new Error(`${o.object}: ${o.failure} failures, the fixture has ${failures}`);
    return {
      object: o.object,
      rowsRead: o.rowsRead,
      success: o.success,
      failure: o.failure,
      errors: expected,
      createdTimes: o.logs.map((l) => /created_time=(\d{14})/.exec(l)![1]!),
    };
  });
  return { runId, env, objects };
}

/**
 * Two runs on the embedded default, each loading Contact and Invoice__c with known bad rows:
 * `run-1` into dev, then, in a later second (so it is the latest run), `run-2` into qa, whose Contact file
 * has one more column (Title) than run-1's.
 */
export async function loadTwoRuns(stack: TestStack): Promise<LoadedRun[]> {
  const invoices = readFileSync(join(FIXTURES, 'invoices.csv'), 'utf8');
  const invoiceErrors = (
    JSON.parse(readFileSync(join(FIXTURES, 'invoices.expected.json'), 'utf8')) as {
      errors: Record<string, number>;
    }
  ).errors;
  await stack.putSource('Invoice__c/invoices.csv', invoices);

  const first = contactsWithBadRows(120, {
    REQUIRED_FIELD_MISSING: 3,
    INVALID_EMAIL_ADDRESS: 2,
    SFETL_COLUMN_COUNT: 1,
  });
  await stack.putSource('Contact/contacts.csv', first.csv);
  const run1 = await loadRun('dev', 'run-1', stack.config, {
    Contact: countKinds(first.bad.values()),
    Invoice__c: invoiceErrors,
  });

  const latest = run1.objects
    .flatMap((o) => o.createdTimes)
    .sort()
    .pop()!;
  while (formatCreatedTime(new Date()) <= latest) await new Promise((done) => setTimeout(done, 50));

  const second = contactsWithBadRows(90, { STRING_TOO_LONG: 2, SFETL_MALFORMED_QUOTES: 1 }, '', 'Q-');
  const [header, ...rows] = second.csv.trimEnd().split('\n');
  const withTitle = [`${header},Title`, ...rows.map((row, i) => `${row},Manager ${i}`)].join('\n');
  await stack.putSource('Contact/contacts.csv', `${withTitle}\n`);
  const run2 = await loadRun('qa', 'run-2', stack.config, {
    Contact: countKinds(second.bad.values()),
    Invoice__c: invoiceErrors,
  });
  return [run1, run2];
}

type Row = Record<string, string | number | boolean | null>;

const byKey = (a: Row, b: Row) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/** What the `failure-rate` named query must answer: the summaries' counts per env, object and run. */
export function expectedFailureRate(runs: readonly LoadedRun[]): Row[] {
  return runs
    .flatMap((r) =>
      r.objects.map((o) => ({
        env: r.env,
        object: o.object,
        run_id: r.runId,
        records: o.rowsRead,
        successes: o.success,
        failures: o.failure,
        failure_rate_pct: Math.round((10_000 * o.failure) / o.rowsRead) / 100,
        created_time: [...o.createdTimes].sort().pop()!,
      })),
    )
    .sort(byKey);
}

/** What `top-error-codes` must answer: failed rows per error code, env and object (each in one run). */
export function expectedTopErrorCodes(runs: readonly LoadedRun[]): Row[] {
  return runs
    .flatMap((r) =>
      r.objects.flatMap((o) =>
        Object.entries(o.errors).map(([code, failures]) => ({
          error_code: code,
          env: r.env,
          object: o.object,
          failures,
          runs: 1,
        })),
      ),
    )
    .sort(byKey);
}

/** What `latest-failures` must answer, counted per env, object, run and error code. */
export function expectedFailureCounts(runs: readonly LoadedRun[]): Row[] {
  return runs
    .flatMap((r) =>
      r.objects.flatMap((o) =>
        Object.entries(o.errors).map(([code, n]) => ({ env: r.env, object: o.object, run_id: r.runId, code, n })),
      ),
    )
    .sort(byKey);
}

/** The `latest-failures` rows counted like {@link expectedFailureCounts}. */
export function countFailures(rows: readonly Row[]): Row[] {
  const counts = new Map<string, Row>();
  for (const row of rows) {
    const key = JSON.stringify([row.env, row.object, row.run_id, row.error_code]);
    const entry = counts.get(key) ?? {
      env: row.env,
      object: row.object,
      run_id: row.run_id,
      code: row.error_code,
      n: 0,
    };
    counts.set(key, { ...entry, n: (entry.n as number) + 1 });
  }
  return [...counts.values()].sort(byKey);
}

/** What `run-outcome` must answer: the latest run's records per object, status and error code. */
export function expectedRunOutcome(latest: LoadedRun): Row[] {
  return latest.objects
    .flatMap((o) => [
      {
        run_id: latest.runId,
        env: latest.env,
        object: o.object,
        status: 'success',
        error_code: '',
        records: o.success,
      },
      ...Object.entries(o.errors).map(([code, records]) => ({
        run_id: latest.runId,
        env: latest.env,
        object: o.object,
        status: 'failure',
        error_code: code,
        records,
      })),
    ])
    .sort(byKey);
}

/** Rows in a fixed order, to compare answers whose ORDER BY leaves ties. */
export function sorted(rows: readonly Row[]): Row[] {
  return [...rows].sort(byKey);
}
