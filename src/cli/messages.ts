import { escapeUnprintable, printable, redactSecrets, redactUrl } from '../config';

/** Every message `sfetl` shows a person, in one place; each says what to do next. */
export const messages = {
  usage: [
    'Usage: sfetl <command> [options]',
    '',
    'Commands:',
    '  load       load S3 CSV files into one org through Bulk API 2.0 and log every record',
    '  publish    publish the logs as one Hive table per object (PySpark on local Spark)',
    '  stack      run the embedded default: the four-org emulator and moto (S3, Glue, Secrets Manager)',
    '  emulator   run the Salesforce org emulator (several orgs, one port each)',
    '  demo       the whole pipeline on the embedded default, with a summary and an HTML report',
    '  logs       query the Glue log tables on this machine with the SQL of the Athena named queries',
    '  report     an HTML report of runs from their logs and manifests (to a file or S3)',
    '  failures   the failed rows of a run as a CSV to fix and load again (sfetl failures export)',
    '  help       show this help',
    '',
    'Run "sfetl <command> --help" for the options of a command.',
  ].join('\n'),
  runnerUsage: [
    'Usage: runner.js <command> [options]   (the Glue runner bundle: docs/glue.md)',
    '',
    'Commands:',
    '  load       load S3 CSV files into one org through Bulk API 2.0 and log every record',
    '  logs       query the Glue log tables on this machine with the SQL of the Athena named queries',
    '  help       show this help',
    '',
    'Run "runner.js <command> --help" for the options of a command; the other sfetl commands run from a clone.',
  ].join('\n'),
  emulatorUsage: [
    'Usage: sfetl emulator [options]',
    '',
    'Runs emulated Salesforce orgs (OAuth, REST, SOQL, Bulk API 2.0 ingest) until SIGINT or SIGTERM.',
    'Prints one JSON line when ready: {"orgs": {"<name>": {"instanceUrl", "loginUrl", "clientId", "clientSecret", ...}}}',
    '',
    'Options:',
    '  --orgs <a,b,...>        org names (default: dev; the config file may define them instead)',
    '  --config <file>         JSON or YAML emulator configuration (orgs with ports, faults, credentials, ...)',
    '  --data-dir <dir>        keep records, jobs and credentials in <dir> across restarts',
    '  --objects <dir>         extra object schema files (repeatable); see docs/emulator-objects.md',
    '  --host <address>        address to listen on (default 127.0.0.1)',
    '  --port <n>              port of the first org; the next orgs take the following ports (default: free ports)',
    '  --tls-cert <file>       serve HTTPS with this certificate (PEM) ...',
    '  --tls-key <file>        ... and this private key (PEM)',
  ].join('\n'),
  loadUsage: [
    'Usage: sfetl load --env <dev|qa|uat|prod> [options]',
    '',
    "Loads the configured objects (in load order) into the org of --env and writes every record's outcome",
    'as Parquet logs (success/, failure/) registered in the Glue Data Catalog.',
    '',
    'Options:',
    '  --env <name>            the environment (org) to load into',
    '  --config <path|s3://>   configuration file (default: $SFETL_CONFIG)',
    '  --object <Name>         load only this object (repeatable); default: every configured object',
    '  --source <s3://…>       with one --object: read this key or prefix instead of the configured source',
    '  --run-id <id>           the run id used in log paths (default: time-based)',
    '  --dry-run               check everything and parse every row; create no job, write no log',
    '  --confirm-env <name>    required to load into a protected environment (prod)',
    '  --secret-file <path>    read the org credentials from this local JSON file instead of the',
    "                          environment's Secrets Manager secret (same content; for a laptop)",
    '  --force                 load files again that an earlier load completed (an unfinished load is',
    '                          resumed first, never restarted); with a changed file, load all its rows',
    '  --skip-loaded-rows      load files that changed since an earlier run loaded them (a corrected',
    '                          file): rows already loaded into this env and object are skipped and',
    '                          logged with their earlier record id; only the rest is loaded',
    "  --report                after the load, write the run's HTML report to the log bucket,",
    '                          s3://<logs.bucket>/<statePrefix>reports/<run id>/<env>.html (as sfetl report does)',
    "  --put-metrics           after the load, put the run's metrics into CloudWatch (PutMetricData,",
    '                          namespace s3-salesforce-etl): what the deployed failure-rate alarm reads',
    '  --output <text|json>    progress for a person or JSON lines (default: text on a terminal)',
    '',
    'Exit codes: 0 done; 1 fatal (config, auth, preflight, infrastructure); 2 failure rate above the',
    'threshold; 3 reconciliation mismatch; 4 another run holds the lock.',
  ].join('\n'),
  stackUsage: [
    'Usage: sfetl stack [--dir <dir>] [--sample-data]',
    '',
    'Starts the embedded default: the org emulator with dev, qa, uat and prod, and moto for S3, Glue and',
    'Secrets Manager; creates the source and log buckets, one secret per env and a ready configuration',
    '(<dir>/sfetl-stack.yaml, default dir .sfetl/stack). Prints one JSON line, runs until SIGINT/SIGTERM.',
    '',
    '  --sample-data   put sample CSVs (100 Accounts, 300 Contacts, 200 Invoices, ~1.5 % bad rows) under',
    '                  the configured sources, s3://sfetl-source/<Object>/sample-1.csv, ready for sfetl load',
  ].join('\n'),
  stackStopped: 'stack stopped',
  publishUsage: [
    'Usage: sfetl publish [--config <path|s3://>] [options]',
    '',
    "Runs the PySpark step (emr/log_to_hive.py) on local Spark: reads every object's success/ and failure/",
    'logs and writes one Hive table per object (<database>.<object in lower case>) into a local metastore,',
    'then prints the rows of each table by env and status. See docs/publish.md.',
    '',
    'Options:',
    '  --config <path|s3://>   configuration whose log bucket to read, e.g. the one `sfetl stack` wrote',
    '                          (default: $SFETL_CONFIG)',
    '  --logs <s3://…|dir>     read the logs here instead (a local directory in the same layout works too)',
    '  --mode <full|incremental>  full (default) rewrites every table from all logs; incremental rewrites',
    '                          only the partitions (env, run_id) whose logs changed since the last publish',
    '  --object <Name>         publish only this object (repeatable); default every object with logs',
    '  --database <name>       Hive database (default sfetl)',
    '  --hive-dir <dir>        local metastore (Derby) and warehouse (default .sfetl/hive)',
    '  --master <url>          Spark master (default local[*])',
    '  --output <text|json>    a table for a person (default) or one JSON line with the report',
    '',
    'Exit codes: 0 published; 1 failed (e.g. an unreadable log file); the message says what to do.',
  ].join('\n'),
  publishBadMode: (mode: string) => `--mode must be full or incremental, not "${mode}"`,
  publishBadOutput: (output: string) => `--output must be text or json, not "${output}"`,
  publishNeedsLogs: 'no logs to publish; pass --config <path> (its log bucket is read) or --logs <s3://… or dir>',
  badDatabase: (name: string) =>
    `database "${name}" is not usable; use lower-case letters, digits and "_", starting with a letter or "_"`,
  publishNoVenv: (python: string) => `no Python at ${python}; run "npm run setup:python" first`,
  publishNoJars: (detail: string) =>
    `cannot fetch the jars local Spark needs for S3 (${detail}); run "bash build-tools/setup-spark-jars.sh" and fix what it reports`,
  publishFailed: (detail: string) => detail,
  publishMetastoreBusy: (hiveDir: string) =>
    `the local metastore in ${hiveDir} is in use by another Spark process (another "sfetl publish"?); wait for it, or pass another --hive-dir`,
  publishNoJava: 'Spark could not start Java; install Java 17 (or set JAVA_HOME) and run again',
  publishCrashed: (code: number | null, problem: string | undefined, log: string) =>
    `the Spark job ended with exit code ${code}${problem ? ` (${problem})` : ''}; Spark's output is in ${log}`,
  logsUsage: [
    'Usage: sfetl logs query "<SQL>" [--config <path|s3://>] [--output text|json]',
    '       sfetl logs query --named <id> [--config <path|s3://>] [--output text|json]',
    '       sfetl logs queries [--config <path|s3://>] [--output text|json]',
    '',
    'Runs SQL over the Glue log tables on this machine: DuckDB over copies of the registered Parquet',
    'partitions, one view per table ("<database>"."<object in lower case>", also reachable without the',
    'database), the same SQL as the Athena named queries. See docs/logs.md.',
    '',
    'Subcommands:',
    '  query "<SQL>"           run one SQL statement',
    '  query --named <id>      run a saved query (the Athena named query of that id) over every log table',
    '  queries                 list the saved queries: id, name, description and SQL',
    '',
    'Options:',
    '  --config <path|s3://>   configuration naming the log database and AWS endpoint (default: $SFETL_CONFIG)',
    '  --output <text|json>    an aligned table (default) or one JSON object per row (JSON Lines)',
    '',
    'Exit codes: 0 answered; 1 failed (bad SQL, no configuration, no log tables); the message says what to do.',
  ].join('\n'),
  logsUnknownSubcommand: (name: string | undefined) =>
    name === undefined
      ? 'name a subcommand: sfetl logs query "<SQL>", sfetl logs query --named <id> or sfetl logs queries'
      : `unknown subcommand "${printable(name)}"; use sfetl logs query "<SQL>", sfetl logs query --named <id> or sfetl logs queries`,
  logsNoSql:
    'give the SQL to run (sfetl logs query "<SQL>") or a saved query (--named <id>; sfetl logs queries lists them)',
  logsSqlAndNamed: 'give either the SQL or --named <id>, not both',
  logsOneSql: (count: number) => `${count} arguments given; quote the SQL so that it is one argument`,
  logsUnknownNamed: (id: string, known: readonly string[]) =>
    `no saved query "${printable(id)}"; use one of ${known.join(', ')} (sfetl logs queries shows their SQL)`,
  logsBadOutput: (output: string) => `--output must be text or json, not "${printable(output)}"`,
  logsBadName: (detail: string) => `${detail}; rename it in the configuration (logs.glueDatabase, objects)`,
  logsQueriesForConfigured: (database: string) =>
    `(no log tables in ${database} yet: the SQL below is for the configured objects; run sfetl load to create the tables)`,
  demoUsage: [
    'Usage: sfetl demo [options]',
    '',
    'Runs the whole pipeline on the embedded default: starts the org emulator and moto, generates sample',
    'Accounts, Contacts and Invoices (with a share of bad rows), loads them in two runs (a burst of row locks',
    'during the first Contact load), publishes the logs as Hive tables on local Spark, then prints per env and',
    'object the rows, successes, failures and top errors, and checks that the logs, the orgs and Hive agree.',
    'Writes an HTML report and summary.json into --out. Stops everything it started. See docs/demo.md.',
    '',
    'Options:',
    '  --all-envs              load into dev, qa, uat and prod (default: dev only)',
    '  --records <n>           Accounts in the first file of each env; Contacts 3x, Invoices 2x (default 1000)',
    '  --seed <n>              seed of the sample data and of the row-lock fault (default 1)',
    '  --row-lock-rate <share> share of records the org locks during the first Contact load (default 0.1)',
    '  --out <dir>             where report.html, summary.json, the stack config and Hive go (default .sfetl/demo)',
    '  --master <url>          Spark master for the publish step (default local[*])',
    '  --keep                  leave the stack running afterwards and print how to explore it; Ctrl-C stops it',
    '',
    'Exit codes: 0 done and every number agrees; 1 failed (the message says what to do); 3 the loads, logs,',
    'orgs and Hive disagree (summary.json lists each difference).',
  ].join('\n'),
  demoBadNumber: (flag: string, value: string, min: number, max: number) =>
    `${flag} must be a whole number from ${min} to ${max}, not "${printable(value)}"`,
  demoBadRate: (value: string) => `--row-lock-rate must be a share between 0 and 1, not "${printable(value)}"`,
  demoStarting:
    'starting the embedded default (org emulator with dev, qa, uat, prod; moto for S3, Glue, Secrets Manager)',
  demoGenerated: (rows: number, envs: readonly string[], bucket: string) =>
    `generated ${rows} sample rows for ${envs.join(', ')} into s3://${bucket}/demo/`,
  demoLoaded: (l: {
    env: string;
    object: string;
    run: number;
    rowsRead: number;
    success: number;
    failure: number;
    retriedRows: number;
    seconds: number;
  }) =>
    `loaded ${l.env} ${l.object} run ${l.run}: ${l.rowsRead} rows, ${l.success} loaded, ${l.failure} failed` +
    `${l.retriedRows > 0 ? `, ${l.retriedRows} rows retried after row locks` : ''} (${l.seconds.toFixed(1)} s)`,
  demoPublishing: 'publishing the logs as Hive tables on local Spark (tens of seconds)',
  demoReading: 'reading the logs (DuckDB over the Glue partitions) and the orgs (SOQL)',
  demoHeading: (seed: number, records: number, envs: readonly string[], seconds: number) =>
    `sfetl demo: seed ${seed}, ${records} Accounts per env in the first file, env(s) ${envs.join(', ')}, two runs, ${seconds.toFixed(0)} s`,
  demoRowLocks: (env: string, object: string, run: number, rate: number, retried: number, failed: number) =>
    `row locks: ${env} ${object} run ${run} ran with ${Math.round(100 * rate)}% of records locked: ${retried} rows were retried in new jobs; ` +
    (failed === 0
      ? 'every one of them was loaded in the end'
      : `${failed} still failed with UNABLE_TO_LOCK_ROW after the last attempt (limits.maxRecordAttempts)`),
  demoSourcesHeading: 'The same numbers from the loads, the logs, the orgs and Hive (s/f = successes/failures):',
  demoAgree: (database: string) => `The loads, the logs, the orgs and Hive (${database}.*) agree on every number.`,
  demoReport: (path: string) => `Report: ${path}`,
  demoSummaryJson: (path: string) => `Summary (JSON): ${path}`,
  demoMismatch: (count: number, summaryPath: string) =>
    `${count} number(s) differ between the loads, the logs, the orgs and Hive (listed above and in ${summaryPath}); do not trust this run: report it with that file`,
  demoFaults: (controlUrl: string, detail: string) =>
    `the org emulator refused the row-lock fault at ${controlUrl}/faults (${detail}); run the demo again with --row-lock-rate 0`,
  demoKeeping: 'The stack is still running (--keep). Its description, as `sfetl stack` prints it:',
  demoKeepConfig: (config: string) => `Config: ${config}`,
  demoKeepTry: 'Try, in another terminal:',
  demoKeepStop: 'Press Ctrl-C to stop the stack.',
  demoStopping: 'stopping: the running loads stop at their next step, then the stack stops (their state is kept)',
  demoInterrupted: 'stopped by a signal before the demo finished; run "sfetl demo" again',
  demoStopped: 'stack stopped, nothing left running',
  leaseHeld: (detail: string) => `${detail}; wait for it to finish (or for its lease to end) and run again`,
  stopped: (detail: string) =>
    `${detail}; the run's state is saved: run sfetl load again (same --env and objects) to continue where it stopped`,
  noConfig: 'no configuration given; pass --config <path or s3://bucket/key> or set SFETL_CONFIG',
  badRunId: (id: string) =>
    `run id "${printable(id)}" is not usable in S3 paths; use letters, digits, ".", "_" and "-" (at most 128 characters)`,
  badSourceFlag: (problem: string) => `--source ${problem}`,
  sourceNeedsOneObject: '--source replaces the source of one object; name exactly one --object with it',
  fixConfig: (source: string) => `fix ${redactUrl(source)} and run again`,
  authRefused: (loginUrl: string, error: string, description: string) =>
    `the org at ${redactUrl(loginUrl)} refused the credentials (${redactSecrets(error)}: ${redactSecrets(description)}); check the environment's secret and its connected app`,
  loginUnreachable: (loginUrl: string, reason: string, env: string | undefined) =>
    `cannot reach the login URL ${redactUrl(loginUrl)} (${printable(reason)}): check environments.${env ?? '<env>'}.loginUrl and the network`,
  loginNotTokenEndpoint: (loginUrl: string, status: number, contentType: string | undefined, env: string | undefined) =>
    `the login URL ${redactUrl(loginUrl)} answered HTTP ${status}${contentType ? ` (${printable(contentType)})` : ''}, not an OAuth token response; ` +
    (status >= 500
      ? `the login service or a proxy in front of it has trouble: run again later, and check environments.${env ?? '<env>'}.loginUrl if it persists`
      : `check environments.${env ?? '<env>'}.loginUrl: the org's My Domain URL, or https://login.salesforce.com (https://test.salesforce.com for a sandbox) for JWT`),
  preflightFailed: (object: string, source: string, problems: readonly string[]) =>
    `preflight of ${printable(object)} (${escapeUnprintable(source)}) failed, no job was created:\n${problems.map((p) => `  - ${p}`).join('\n')}\nfix the file or the configuration and run again`,
  // The file's own words (a header name with a line break in it) must not break the line.
  badSource: (detail: string) => `${escapeUnprintable(detail)}; no job was created: fix the file and run again`,
  reconciliation: (detail: string) =>
    `reconciliation failed: ${detail}; do not rerun blindly: compare the manifest with the logs and the org first`,
  apiFailed: (detail: string) => `Salesforce API call failed: ${detail}; check the org and run again (a rerun resumes)`,
  awsRequestFailed: (detail: string, endpoint: string | undefined, region: string, doing?: string) =>
    `an AWS request${doing ? ` ${doing}` : ''} failed (${detail}); check that ${endpoint ?? "AWS's endpoint"} in ${region} ` +
    "(aws.endpoint and aws.region in the configuration) answers, and this role's credentials and permissions; then run again (a rerun resumes)",
  catalogFailed: (detail: string) =>
    `${detail.replace(/\.$/, '')} (the log database is logs.glueDatabase in the configuration)`,
  s3Failed: (detail: string) => `${detail.replace(/\.$/, '')}; then run again (a rerun resumes)`,
  failureRateAbove: (rate: number, threshold: number, manifests: readonly string[], malformed: readonly string[]) =>
    `loaded, but ${(100 * rate).toFixed(2)}% of the rows failed (threshold ${(100 * threshold).toFixed(2)}%)` +
    (malformed.length > 0 ? `; ${malformed.join('; ')}` : '') +
    `; read the failure log (manifest ${manifests.join(', ')}), fix the rows and load them again`,
  unknownCommand: (name: string) => `unknown command "${printable(name)}"; run "sfetl help" to see the commands`,
  notInRunner: (name: string) =>
    `unknown command "${printable(name)}": the Glue runner bundle runs only load and logs; ` +
    'run the other commands from a clone (npx sfetl)',
  badOption: (detail: string, command: string) => `${detail}; run "sfetl ${command} --help" for the options`,
  optionTwice: (flag: string, first: string, second: string, command: string) =>
    `${flag} is given twice, as "${redactUrl(printable(first))}" and as "${redactUrl(printable(second))}"; give it once (run "sfetl ${command} --help" for the options)`,
  tlsPair: 'give both --tls-cert and --tls-key, or neither',
  unreadableFile: (what: string, path: string, reason: string) =>
    `cannot read ${what} ${path} (${reason}); check the path`,
  emulatorConfig: (path: string, detail: string) => `${path}: ${detail}; fix the emulator configuration file`,
  emulatorStopped: 'emulator stopped',
  reportUsage: [
    'Usage: sfetl report --out <file|s3://…> [--run-id <id>] [--env <env>] [--since <time>] [--until <time>] [options]',
    '',
    'Writes one self-contained HTML report of runs from their logs (DuckDB over the registered Glue',
    'partitions, as sfetl logs reads them) and their manifests: per object rows read, loaded, failed,',
    'rejected before upload and retried; failures by error code with example rows; source files; jobs and',
    'time; the success rate of the last runs per env and object. See docs/operations.md.',
    '',
    'Options:',
    '  --out <file|s3://…>     where to write the HTML report (required)',
    '  --run-id <id>           the runs with this run id',
    '  --env <name>            only this env',
    '  --since <time>          runs logged at or after this time (ISO 8601, e.g. 2026-12-01 or 2026-12-01T06:00Z)',
    '  --until <time>          runs logged at or before this time',
    '                          (no --run-id, --since or --until: the latest run of each env)',
    '  --history <n>           runs per env and object in the trend chart (default 20)',
    '  --config <path|s3://>   configuration naming the log bucket, database and AWS endpoint (default: $SFETL_CONFIG)',
    '  --output <text|json>    where it wrote, as a sentence (default) or one JSON line',
  ].join('\n'),
  reportBadTime: (flag: string, value: string) =>
    `${flag} "${printable(value)}" is not a time; use ISO 8601, e.g. 2026-12-01 or 2026-12-01T06:00:00Z`,
  reportBadHistory: (value: string) => `--history "${printable(value)}" must be a whole number from 1 to 1000`,
  needsOut: (command: string) => `give --out <file or s3://bucket/key>: where sfetl ${command} writes its file`,
  badOutput: (command: string, output: string) =>
    `--output must be text or json, not "${printable(output)}"; run "sfetl ${command} --help" for the options`,
  noMatchingRuns: (detail: string) =>
    `${detail}; check --run-id, --env and the time window (sfetl logs query --named failure-rate lists the runs)`,
  reportWritten: (location: string, runs: number, failed: number) =>
    `report written to ${location} (${runs} object run(s), ${failed} failed row(s))`,
  failuresUsage: [
    'Usage: sfetl failures export --env <env> --object <Name> --run-id <id> --out <file|s3://…> [--code <CODE>] [options]',
    '',
    "Writes the failed rows of one run of one object as a CSV: the source file's own columns (its header",
    'names) with the values as logged, then sfetl_error_code and sfetl_error_message. Fix the values,',
    'delete the two error columns, and load the file as a new file (a new key under the source, or',
    '--source): rows loaded before are not sent again. See docs/operations.md.',
    '',
    'Options:',
    '  --env <name>            the env of the run',
    '  --object <Name>         the sObject (as configured, e.g. Contact)',
    '  --run-id <id>           the run',
    '  --code <CODE>           only rows failed with this error code (e.g. REQUIRED_FIELD_MISSING)',
    '  --out <file|s3://…>     where to write the CSV (required)',
    '  --config <path|s3://>   configuration naming the log bucket, database and AWS endpoint (default: $SFETL_CONFIG)',
    '  --output <text|json>    what it wrote, as sentences (default) or one JSON line',
  ].join('\n'),
  failuresUnknownSubcommand: (name: string | undefined) =>
    name === undefined
      ? 'name a subcommand: sfetl failures export --env <env> --object <Name> --run-id <id> --out <file>'
      : `unknown subcommand "${printable(name)}"; use sfetl failures export`,
  failuresNeeds: (flag: string) => `give ${flag}; run "sfetl failures --help" for the options`,
  failuresNotLogged: (detail: string) =>
    `${detail}; check --env, --object and --run-id (sfetl logs query --named failure-rate lists the runs)`,
  failuresWritten: (rows: number, object: string, runId: string, env: string, location: string, codes: string) =>
    `${rows} failed row(s) of ${object} in run ${runId} (${env}) written to ${location}${codes ? ` (${codes})` : ''}`,
  failuresNextStep: (columns: readonly string[]) =>
    `to load them again: fix the values, delete the columns ${columns.join(' and ')}, and load the file as a new file ` +
    "(a new key under the object's source, or sfetl load --object <Name> --source <s3://…>)",
  loadReport: (location: string) => `Report: ${location}`,
  metricsFailed: (namespace: string, detail: string) =>
    `warning: the run's metrics could not be put into CloudWatch (${namespace}: ${detail}); the load itself is done, but the failure-rate alarm has no data for it: give the role cloudwatch:PutMetricData for that namespace`,
  loadReportFailed: (location: string, detail: string) =>
    `warning: the run's report could not be written to ${location} (${detail}); the load itself is done: write it with sfetl report --run-id <run id> --env <env> --out <file>`,
  cannotWrite: (location: string, detail: string) =>
    `cannot write ${location} (${detail}); check the path, or the bucket and this role's s3:PutObject permission`,
} as const;
