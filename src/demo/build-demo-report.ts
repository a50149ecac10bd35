import { DemoCell, DemoReport, DemoRunPoint, DemoSources } from './demo-report';

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Compares what the loads reported with the logs, the orgs and Hive, env by env and object by object, and
 * builds the report model. Every number that differs becomes one line in `mismatches`.
 */
export function buildDemoReport(sources: DemoSources): DemoReport {
  const mismatches: string[] = [];
  const cells: DemoCell[] = [];
  for (const env of sources.envs) {
    for (const object of sources.objects) {
      const here = <T extends { env: string; object: string }>(rows: readonly T[]) =>
        rows.filter((r) => r.env === env && r.object === object);
      const loads = here(sources.loads);
      const logs = here(sources.logCounts);
      const hive = here(sources.hiveCounts);
      const load = {
        rows: sum(loads.map((l) => l.rowsRead)),
        success: sum(loads.map((l) => l.success)),
        failure: sum(loads.map((l) => l.failure)),
        retriedRows: sum(loads.map((l) => l.retriedRows)),
      };
      const logCounts = {
        success: sum(logs.filter((l) => l.status === 'success').map((l) => l.rows)),
        failure: sum(logs.filter((l) => l.status === 'failure').map((l) => l.rows)),
        records: here(sources.logRecords)[0]?.count ?? 0,
      };
      const hiveCounts = {
        success: sum(hive.filter((h) => h.status === 'success').map((h) => h.rows)),
        failure: sum(hive.filter((h) => h.status === 'failure').map((h) => h.rows)),
      };
      const org = { records: here(sources.orgRecords)[0]?.count ?? 0 };
      const before = mismatches.length;
      const compare = (what: string, a: number, b: number) => {
        if (a !== b) mismatches.push(`${env} ${object}: ${what}: ${a} ≠ ${b}`);
      };
      compare('rows read vs successes + failures reported by the load', load.rows, load.success + load.failure);
      compare('successes reported by the load vs success rows in the logs', load.success, logCounts.success);
      compare('failures reported by the load vs failure rows in the logs', load.failure, logCounts.failure);
      compare('success rows in the logs vs in Hive', logCounts.success, hiveCounts.success);
      compare('failure rows in the logs vs in Hive', logCounts.failure, hiveCounts.failure);
      compare('records loaded according to the logs vs records in the org', logCounts.records, org.records);
      for (const l of loads) {
        const inLogs = (status: string) =>
          sum(logs.filter((c) => c.runId === l.runId && c.status === status).map((c) => c.rows));
        compare(`run ${l.runId} successes vs its success logs`, l.success, inLogs('success'));
        compare(`run ${l.runId} failures vs its failure logs`, l.failure, inLogs('failure'));
      }
      const errors = here(sources.logErrors)
        .map((e) => ({ code: e.code, count: e.count }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
      cells.push({
        env,
        object,
        load,
        logs: logCounts,
        org,
        hive: hiveCounts,
        errors,
        topErrors: errors.slice(0, 3),
        agrees: mismatches.length === before,
      });
    }
  }

  const runs: DemoRunPoint[] = [];
  for (const env of sources.envs) {
    const runNumbers = [...new Set(sources.loads.filter((l) => l.env === env).map((l) => l.run))].sort((a, b) => a - b);
    for (const run of runNumbers) {
      const loads = sources.loads.filter((l) => l.env === env && l.run === run);
      const runIds = new Set(loads.map((l) => l.runId));
      const times = sources.logCounts.filter((c) => c.env === env && runIds.has(c.runId)).map((c) => c.createdTime);
      runs.push({
        env,
        run,
        runId: [...runIds].join(', '),
        createdTime: times.sort().at(-1) ?? '',
        rows: sum(loads.map((l) => l.rowsRead)),
        success: sum(loads.map((l) => l.success)),
        failure: sum(loads.map((l) => l.failure)),
      });
    }
  }
  runs.sort(
    (a, b) => a.createdTime.localeCompare(b.createdTime) || sources.envs.indexOf(a.env) - sources.envs.indexOf(b.env),
  );

  const byCode = new Map<string, number>();
  for (const e of sources.logErrors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + e.count);
  const errorCodes = [...byCode]
    .map(([code, count]) => ({ code, count }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));

  return {
    generatedAt: sources.generatedAt,
    seed: sources.seed,
    records: sources.records,
    prefix: sources.prefix,
    envs: sources.envs,
    objects: sources.objects,
    loads: sources.loads,
    cells,
    runs,
    errorCodes,
    failures: sources.failures,
    failuresTotal: sources.failuresTotal,
    hiveDatabase: sources.hiveDatabase,
    mismatches,
  };
}
