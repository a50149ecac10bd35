import { namedLogQueries } from '../../src/catalog';
import {
  countFailures,
  expectedFailureCounts,
  expectedFailureRate,
  expectedRunOutcome,
  expectedTopErrorCodes,
  LoadedRun,
  loadTwoRuns,
  sfetl,
  sorted,
} from '../support/log-loads';
import { TestStack } from '../support/stack';

jest.setTimeout(120_000);

/** Runs `sfetl` with SFETL_CONFIG set as docs/logs.md tells the reader to (undefined: unset). */
async function withConfigEnv(config: string | undefined, args: readonly string[]) {
  const before = process.env.SFETL_CONFIG;
  if (config === undefined) delete process.env.SFETL_CONFIG;
  else process.env.SFETL_CONFIG = config;
  try {
    return await sfetl(args);
  } finally {
    if (before === undefined) delete process.env.SFETL_CONFIG;
    else process.env.SFETL_CONFIG = before;
  }
}

/** The one line a failed command writes on stderr. */
function oneLine(err: string): string {
  expect(err.endsWith('\n')).toBe(true);
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  return err.trimEnd();
}

describe('sfetl logs against the embedded default', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start();
  });
  afterAll(() => stack?.stop());

  test('before any load: query exits 1 saying to load first; queries shows the SQL for the configured objects', async () => {
    const query = await sfetl(['logs', 'query', '--config', stack.config, 'SELECT 1']);
    expect(query.code).toBe(1);
    expect(oneLine(query.err)).toBe(
      'sfetl logs: the Glue database sfetl_logs does not exist; run "sfetl load" first (it creates it), or check logs.glueDatabase in the configuration',
    );

    const configured = namedLogQueries('sfetl_logs', ['Account', 'Contact', 'Invoice__c']);
    const listed = await sfetl(['logs', 'queries', '--config', stack.config, '--output', 'json']);
    expect(listed.code).toBe(0);
    expect(listed.json).toEqual(configured);

    // As docs/logs.md shows it.
    const text = await sfetl(['logs', 'queries', '--config', stack.config]);
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toBe(
      '(no log tables in sfetl_logs yet: the SQL below is for the configured objects; run sfetl load to create the tables)',
    );
    expect(text.out).toContain(
      configured[0]!.sql
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n'),
    );
  });

  test('without a configuration it exits 1 and says how to give one', async () => {
    const result = await withConfigEnv(undefined, ['logs', 'query', '--named', 'failure-rate']);
    expect(result.code).toBe(1);
    expect(oneLine(result.err)).toBe(
      'sfetl logs: no configuration given; pass --config <path or s3://bucket/key> or set SFETL_CONFIG',
    );
  });

  test('wrong usage exits 1 with one line naming the fix', async () => {
    const cases: [string[], string][] = [
      [['logs'], 'name a subcommand: sfetl logs query "<SQL>", sfetl logs query --named <id> or sfetl logs queries'],
      [
        ['logs', 'query'],
        'give the SQL to run (sfetl logs query "<SQL>") or a saved query (--named <id>; sfetl logs queries lists them)',
      ],
      [['logs', 'query', 'SELECT 1', '--named', 'failure-rate'], 'give either the SQL or --named <id>, not both'],
      [['logs', 'query', 'SELECT', '1'], '2 arguments given; quote the SQL so that it is one argument'],
      [
        ['logs', 'query', 'SELECT 1', '--output', 'csv'],
        '--output must be text or json, not "csv"; run "sfetl logs --help" for the options',
      ],
    ];
    for (const [args, message] of cases) {
      const result = await sfetl(args.length === 1 ? args : [...args, '--config', stack.config]);
      expect({ args, code: result.code, err: oneLine(result.err) }).toEqual({
        args,
        code: 1,
        err: `sfetl logs: ${message}`,
      });
    }
  });

  test('--help prints the usage', async () => {
    const result = await sfetl(['logs', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('sfetl logs query --named <id>');
  });

  describe('after two loads (dev run-1, then qa run-2; Contact and Invoice__c with bad rows)', () => {
    let runs: LoadedRun[];

    beforeAll(async () => {
      runs = await loadTwoRuns(stack);
    });

    // As docs/logs.md shows it (`--named top-error-codes --output json`).
    const named = async (id: string) => {
      const result = await sfetl(['logs', 'query', '--config', stack.config, '--named', id, '--output', 'json']);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      return result.json as Record<string, string | number | null>[];
    };

    test('--named failure-rate answers with the counts each load reported', async () => {
      expect(sorted(await named('failure-rate'))).toEqual(expectedFailureRate(runs));
    });

    test('--named top-error-codes answers with every error code and its count', async () => {
      expect(sorted(await named('top-error-codes'))).toEqual(expectedTopErrorCodes(runs));
    });

    test('--named latest-failures lists every failed row with its error code', async () => {
      expect(countFailures(await named('latest-failures'))).toEqual(expectedFailureCounts(runs));
    });

    test("--named run-outcome answers with the latest run's outcome", async () => {
      expect(sorted(await named('run-outcome'))).toEqual(expectedRunOutcome(runs[1]!));
    });

    test('the text output is an aligned table with the row count (docs/logs.md)', async () => {
      const result = await sfetl(['logs', 'query', '--config', stack.config, '--named', 'failure-rate']);
      expect(result.code).toBe(0);
      const lines = result.out.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^env +object +run_id +records +successes +failures +failure_rate_pct +created_time$/);
      expect(lines[1]).toMatch(/^-+( +-+){7}$/);
      expect(lines).toHaveLength(2 + 4 + 1);
      expect(lines[6]).toBe('(4 rows)');
      const qaContact = runs[1]!.objects.find((o) => o.object === 'Contact')!;
      const row = lines.slice(2).find((l) => l.startsWith('qa ') && l.includes('Contact'))!;
      expect(row.split(/ +/).slice(0, 6)).toEqual([
        'qa',
        'Contact',
        'run-2',
        String(qaContact.rowsRead),
        String(qaContact.success),
        String(qaContact.failure),
      ]);
      // Numbers are right-aligned under their header.
      const header = lines[0]!;
      const end = header.indexOf('records') + 'records'.length;
      expect(row.slice(0, end).endsWith(String(qaContact.rowsRead))).toBe(true);
    });

    test('any SQL over the log tables, with or without the database name (docs/logs.md)', async () => {
      const sql = 'SELECT env, status, count(*) AS records FROM contact GROUP BY env, status ORDER BY env, status';
      const contact = (r: LoadedRun) => r.objects.find((o) => o.object === 'Contact')!;
      const text = await sfetl(['logs', 'query', '--config', stack.config, sql]);
      expect(text.code).toBe(0);
      expect(text.out.split('\n').slice(0, 3)).toEqual([
        'env  status   records',
        '---  -------  -------',
        `dev  failure  ${String(contact(runs[0]!).failure).padStart(7)}`,
      ]);

      const result = await withConfigEnv(stack.config, ['logs', 'query', sql, '--output', 'json']);
      expect(result.code).toBe(0);
      expect(result.json).toEqual([
        { env: 'dev', status: 'failure', records: contact(runs[0]!).failure },
        { env: 'dev', status: 'success', records: contact(runs[0]!).success },
        { env: 'qa', status: 'failure', records: contact(runs[1]!).failure },
        { env: 'qa', status: 'success', records: contact(runs[1]!).success },
      ]);

      const qualified = await sfetl([
        'logs',
        'query',
        '--config',
        stack.config,
        '--output',
        'json',
        'SELECT run_id, count(title) AS with_title, count(*) AS records FROM "sfetl_logs"."contact" GROUP BY run_id ORDER BY run_id',
      ]);
      expect(qualified.code).toBe(0);
      // run-1's file had no Title column: NULL there.
      expect(qualified.json[0]).toEqual({ run_id: 'run-1', with_title: 0, records: contact(runs[0]!).rowsRead });
      expect(qualified.json[1]).toMatchObject({ run_id: 'run-2', records: contact(runs[1]!).rowsRead });
    });

    test('bad SQL exits 1 with DuckDB’s diagnosis and the tables on one line', async () => {
      const result = await sfetl([
        'logs',
        'query',
        '--config',
        stack.config,
        'SELECT env, count(*) FROM contact GROUP',
      ]);
      expect(result.code).toBe(1);
      expect(oneLine(result.err)).toMatch(
        /^sfetl logs: the SQL was refused: Parser Error: syntax error at end of input; fix it and run again \(log tables: "sfetl_logs"\."contact", "sfetl_logs"\."invoice__c"; /,
      );
    });

    test('an unknown table exits 1 and lists the log tables', async () => {
      const result = await sfetl(['logs', 'query', '--config', stack.config, 'SELECT count(*) FROM invoices']);
      expect(result.code).toBe(1);
      expect(oneLine(result.err)).toBe(
        'sfetl logs: there is no log table invoices; the log tables are "sfetl_logs"."contact", "sfetl_logs"."invoice__c"',
      );
    });

    test('--named with an unknown id exits 1 and lists the known ones', async () => {
      const result = await sfetl(['logs', 'query', '--config', stack.config, '--named', 'failure-rates']);
      expect(result.code).toBe(1);
      expect(oneLine(result.err)).toBe(
        'sfetl logs: no saved query "failure-rates"; use one of failure-rate, latest-failures, top-error-codes, run-outcome (sfetl logs queries shows their SQL)',
      );
    });

    test('queries lists the saved queries for the objects that have a log table (docs/logs.md)', async () => {
      const expected = namedLogQueries('sfetl_logs', ['Contact', 'Invoice__c']);
      const json = await withConfigEnv(stack.config, ['logs', 'queries', '--output', 'json']);
      expect(json.code).toBe(0);
      expect(json.json).toEqual(expected);

      const text = await withConfigEnv(stack.config, ['logs', 'queries']);
      expect(text.code).toBe(0);
      for (const q of expected) {
        expect(text.out).toContain(`${q.id} — ${q.name}\n  ${q.description}\n`);
        expect(text.out).toContain(
          q.sql
            .split('\n')
            .map((line) => `    ${line}`)
            .join('\n'),
        );
      }
    });

    test('the SQL `queries` prints runs as it is through `query` (docs/logs.md)', async () => {
      const rate = namedLogQueries('sfetl_logs', ['Contact', 'Invoice__c']).find((q) => q.id === 'failure-rate')!;
      const result = await withConfigEnv(stack.config, ['logs', 'query', rate.sql, '--output', 'json']);
      expect(result.code).toBe(0);
      expect(sorted(result.json as Record<string, string | number>[])).toEqual(expectedFailureRate(runs));
    });
  });
});
