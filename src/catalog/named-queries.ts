/**
 * The saved queries over the log tables (DESIGN.md §2.2): deployed as Athena named queries by the CDK app
 * and run locally by `sfetl logs query --named <id>`, so both answer with the very same SQL.
 *
 * The SQL is the common subset of Athena (Trino) and DuckDB: CTEs, UNION ALL, CASE, split_part, max_by,
 * double-quoted identifiers. Each object has its own log table, so every query starts from `outcomes`,
 * the union of the objects' tables over the columns they all have.
 *
 * This module is pure (no clients, no I/O): the CDK app imports it, which STYLE.md otherwise forbids for
 * runtime code, so that the deployed queries and the local ones cannot drift apart.
 */

/** One saved query. */
export interface NamedLogQuery {
  /** Short id used on the command line (`--named failure-rate`). */
  readonly id: string;
  /** The Athena named query's name. */
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** A database or object name that cannot be used as a quoted SQL identifier as it is. */
export class NamedQueryNameError extends Error {
  constructor(
    readonly kind: 'database' | 'object',
    readonly value: string,
  ) {
    super(`${kind} name "${value}" cannot be used in the log queries: use letters, digits and underscores only`);
    this.name = 'NamedQueryNameError';
  }
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The union of the objects' log tables over the columns every log table has. */
function outcomes(database: string, objects: readonly string[]): string {
  if (!IDENTIFIER.test(database)) throw new NamedQueryNameError('database', database);
  if (objects.length === 0) throw new Error('the log queries need at least one object');
  const selects = objects.map((object) => {
    if (!IDENTIFIER.test(object)) throw new NamedQueryNameError('object', object);
    return (
      `  SELECT '${object}' AS object, env, run_id, created_time, status, ` +
      `sf__id AS sf_id, sf__error AS sf_error, sf__jobid AS sf_job_id FROM "${database}"."${object.toLowerCase()}"`
    );
  });
  return `WITH outcomes AS (\n${selects.join('\n  UNION ALL\n')}\n)`;
}

/** The four saved queries for a log database and the objects loaded into it, in a fixed order. */
export function namedLogQueries(database: string, objects: readonly string[]): NamedLogQuery[] {
  const from = outcomes(database, objects);
  return [
    {
      id: 'failure-rate',
      name: 'sfetl: failure rate by env, object and run',
      description: 'Records, successes, failures and failure rate (%) per env, object and run, newest run first.',
      sql: `${from}
SELECT env, object, run_id,
  count(*) AS records,
  sum(CASE WHEN status = 'success' THEN 1 ELSE 0 END) AS successes,
  sum(CASE WHEN status = 'failure' THEN 1 ELSE 0 END) AS failures,
  round(100.0 * sum(CASE WHEN status = 'failure' THEN 1 ELSE 0 END) / count(*), 2) AS failure_rate_pct,
  max(created_time) AS created_time
FROM outcomes
GROUP BY env, object, run_id
ORDER BY max(created_time) DESC, env, object`,
    },
    {
      id: 'latest-failures',
      name: 'sfetl: latest failures with their errors',
      description: 'The 100 most recent failed records: env, object, run, record id, job id and the error.',
      sql: `${from}
SELECT env, object, run_id, created_time, sf_id, sf_job_id,
  split_part(sf_error, ':', 1) AS error_code,
  sf_error AS error
FROM outcomes
WHERE status = 'failure'
ORDER BY created_time DESC, env, object, sf_error
LIMIT 100`,
    },
    {
      id: 'top-error-codes',
      name: 'sfetl: top error codes',
      description: 'Failed records per error code (Salesforce codes and SFETL_* codes) per env and object.',
      sql: `${from}
SELECT split_part(sf_error, ':', 1) AS error_code, env, object,
  count(*) AS failures,
  count(DISTINCT run_id) AS runs
FROM outcomes
WHERE status = 'failure'
GROUP BY split_part(sf_error, ':', 1), env, object
ORDER BY count(*) DESC, error_code, env, object
LIMIT 50`,
    },
    {
      id: 'run-outcome',
      name: "sfetl: a run's full outcome",
      description:
        'Every object of the latest run (edit the run_id condition for another run): records per status and error code.',
      sql: `${from}
SELECT run_id, env, object, status,
  CASE WHEN status = 'failure' THEN split_part(sf_error, ':', 1) ELSE '' END AS error_code,
  count(*) AS records
FROM outcomes
-- For another run: WHERE run_id = '<run id>'
WHERE run_id = (SELECT max_by(run_id, created_time) FROM outcomes)
GROUP BY run_id, env, object, status, CASE WHEN status = 'failure' THEN split_part(sf_error, ':', 1) ELSE '' END
ORDER BY env, object, status, records DESC, error_code`,
    },
  ];
}
