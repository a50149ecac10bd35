/** The four Salesforce environments, each its own org. */
export type EnvName = 'dev' | 'qa' | 'uat' | 'prod';

export const ENV_NAMES: readonly EnvName[] = ['dev', 'qa', 'uat', 'prod'];

/**
 * What a load does with a source file that changed since an earlier run loaded it (docs/operations.md,
 * "Changed files"): refuse it (exit 1, before any job), load the rows not loaded yet (as --skip-loaded-rows),
 * or load all its rows (as --force).
 */
export type ChangedFilePolicy = 'refuse' | 'skip-loaded-rows' | 'load-all';

export const CHANGED_FILE_POLICIES: readonly ChangedFilePolicy[] = ['refuse', 'skip-loaded-rows', 'load-all'];

/** Bulk API 2.0 ingest operations. */
export type Operation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

export const OPERATIONS: readonly Operation[] = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];

/** How the runner authenticates to an org; the secret holds the credentials. */
export type AuthType = 'client_credentials' | 'jwt';

/** One Salesforce environment (org). */
export interface EnvironmentConfig {
  readonly name: EnvName;
  /** e.g. https://acme.my.salesforce.com; after login the token's instance URL must be this one. */
  readonly instanceUrl: string;
  /**
   * The org's id (`00D…`, 15 or 18 characters), pinned: after login the token's identity URL must name this
   * org, compared on the first 15 characters. @default not pinned (only the instance URL is checked)
   */
  readonly orgId?: string;
  /** Token endpoint base and JWT audience, e.g. https://login.salesforce.com or the My Domain URL. */
  readonly loginUrl: string;
  /** e.g. "66.0" */
  readonly apiVersion: string;
  readonly auth: {
    readonly type: AuthType;
    /** Secrets Manager secret id (name or ARN) holding the credentials as JSON. */
    readonly secretId: string;
  };
  /** A protected environment runs only with `--confirm-env <name>`. @default true for prod, false otherwise */
  readonly protected: boolean;
}

/** One Salesforce object to load. */
export interface ObjectConfig {
  /** sObject API name as Salesforce spells it (Contact, Invoice__c). */
  readonly name: string;
  /** s3://bucket/key.csv (one file) or s3://bucket/prefix/ (every .csv under it, in key order). */
  readonly source: string;
  readonly operation: Operation;
  /** Required for upsert: the External ID field (or Id). */
  readonly externalIdField?: string;
  /** Objects load in ascending order; equal orders keep file order. @default 100 */
  readonly loadOrder: number;
  /** Source column → field API name; unmapped columns keep their names. */
  readonly columnMapping: Readonly<Record<string, string>>;
  /**
   * A file at the same key that changed since an earlier load: refuse it, load the rows not loaded yet,
   * or load all its rows. The command line's --skip-loaded-rows and --force go further. @default 'refuse'
   */
  readonly onChangedFile?: ChangedFilePolicy;
}

/** Where the logs and the runner's own state go. */
export interface LogsConfig {
  readonly bucket: string;
  /** Prefix inside the bucket, "" or ending with "/". @default "" */
  readonly prefix: string;
  /** Glue database of the log tables. @default "sfetl_logs" */
  readonly glueDatabase: string;
  /** Prefix (in the log bucket) for run state, manifests and locks; never under success/ or failure/. @default "_sfetl/" */
  readonly statePrefix: string;
}

/** Limits and thresholds of a load. */
export interface LoadLimits {
  /** failure rows / rows read above which the run exits 2. @default 0.05 */
  readonly failureRateThreshold: number;
  /**
   * Bulk jobs in flight at once, within one source file; an object's files, and the objects, load one
   * after another. @default 4
   */
  readonly concurrency: number;
  /** Raw CSV bytes per job (Salesforce's limit is 100 MB). @default 100000000 */
  readonly maxJobBytes: number;
  /** Rows per job. @default 10000000 */
  readonly maxJobRows: number;
  /** First poll interval; it grows by half up to pollMaxIntervalMs. @default 1000 */
  readonly pollIntervalMs: number;
  /** @default 30000 */
  readonly pollMaxIntervalMs: number;
  /**
   * A job not finished after this long is aborted; its unprocessed rows are sent again in a new job (up to
   * maxRecordAttempts), then logged as failures. The run goes on. @default 240 (4 h)
   */
  readonly jobTimeoutMinutes: number;
  /** Tries per record for transient record errors (each retry in a new job). @default 3 */
  readonly maxRecordAttempts: number;
  /** Tries per HTTP call on 5xx, 429 and network errors, with exponential backoff and jitter. @default 6 */
  readonly httpAttempts: number;
  /** Life of the (env, object) lease without renewal; a crashed run's lease ends after this. @default 300 */
  readonly leaseSeconds: number;
}

/** Record error codes always resubmitted in new jobs, whatever `retryErrorCodes` lists: UNABLE_TO_LOCK_ROW only. */
export const DEFAULT_RETRY_ERROR_CODES: readonly string[] = ['UNABLE_TO_LOCK_ROW'];

/** AWS settings; endpoint only for local emulators (moto). */
export interface AwsConfig {
  /** @default AWS_REGION, else us-east-1 */
  readonly region: string;
  /** e.g. http://127.0.0.1:5000 for moto; unset in AWS. */
  readonly endpoint?: string;
}

/** The whole, validated configuration (DESIGN.md §2.5). */
export interface SfetlConfig {
  readonly environments: Readonly<Record<EnvName, EnvironmentConfig>>;
  /** Sorted by loadOrder. */
  readonly objects: readonly ObjectConfig[];
  readonly logs: LogsConfig;
  readonly limits: LoadLimits;
  /** Record error codes that are retried in new jobs. @default ["UNABLE_TO_LOCK_ROW"] */
  readonly retryErrorCodes: readonly string[];
  readonly aws: AwsConfig;
}
