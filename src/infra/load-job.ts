import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SfetlEnvironment } from './environments';
import { GlueJobSecurity } from './glue-job-security';
import { OrgSecret } from './org-secret';
import { S3Location } from './s3-location';
import { ScriptCode } from './script-code';
import { acknowledgeWildcardResources } from './wildcard-acknowledgment';

/** The runner bundle built by `npx projen bundle:runner` (docs/glue.md). */
export interface RunnerBundle {
  /** Path of `runner-bundle.zip`. */
  readonly zipPath: string;
  /** Its sha256 (64 hex digits), as in `runner-bundle.zip.sha256`. */
  readonly sha256: string;
}

/** Properties of {@link LoadJob}. */
export interface LoadJobProps {
  /** The environment (org) this job loads into. */
  readonly env: SfetlEnvironment;
  /** The Glue job's name. */
  readonly jobName: string;
  /** Name of the environment's workflow, whose run properties carry the run id to the publish job. */
  readonly workflowName: string;
  /** The runner bundle, deployed as an asset and passed as `--bundle-s3-uri` / `--bundle-sha256`. */
  readonly bundle: RunnerBundle;
  /** Where the load configuration is (`--config`). */
  readonly config: S3Location;
  /** The bucket with the source CSV files (read). */
  readonly sourceBucket: s3.IBucket;
  /**
   * The key of the source bucket, when it is encrypted with one.
   * @default - no key grant for the source
   */
  readonly sourceBucketKey?: kms.IKey;
  /** The log bucket (log trees and state, read and write). */
  readonly logBucket: s3.IBucket;
  /** The key of the log bucket and the config. */
  readonly dataKey: kms.IKey;
  /**
   * Prefix of the log trees in the log bucket (config `logs.prefix`).
   * @default ''
   */
  readonly logPrefix?: string;
  /** The runner's state prefix in the log bucket (config `logs.statePrefix`). */
  readonly statePrefix: string;
  /** The Glue database of the log tables: the only database the job may write. */
  readonly logDatabaseName: string;
  /** The org's credentials: the only secret the job may read. */
  readonly orgSecret: OrgSecret;
  /** Encryption of the job's logs. */
  readonly security: GlueJobSecurity;
  /**
   * DPUs of the Python-shell job: 1 (16 GB) or 1/16 (1 GB).
   * @default glue.MaxCapacity.DPU_1 — the runner, DuckDB and the upload of a 100 MB part fit in 1 GB only tightly
   */
  readonly maxCapacity?: glue.MaxCapacity;
  /**
   * Stop the job after this long; the next run resumes where it stopped (docs/operations.md).
   * @default Duration.hours(12)
   */
  readonly timeout?: Duration;
  /**
   * Directory of `bootstrap.py` and `sfetl_glue_job.py`.
   * @default the repository's glue-scripts/
   */
  readonly glueScriptsDir?: string;
}

/**
 * The Python-shell job "load" of one environment: `glue-scripts/bootstrap.py` downloads the runner bundle,
 * checks its sha256 and runs `sfetl load --env <env> --report` (docs/glue.md): after the load, the run's report
 * goes to `<statePrefix>reports/<run id>/<env>.html` in the log bucket.
 *
 * Its role may read the source bucket and the config, read and write the log trees and the state prefix of
 * the log bucket, write the Glue catalog in the log database only, read its own org's secret and the bundle,
 * write its logs, and read/write its workflow's run properties.
 */
export class LoadJob extends Construct {
  readonly job: glue.PythonShellJob;
  readonly role: iam.Role;
  readonly bundleAsset: s3assets.Asset;

  constructor(scope: Construct, id: string, props: LoadJobProps) {
    super(scope, id);
    if (!/^[0-9a-f]{64}$/.test(props.bundle.sha256)) {
      throw new Error(`runner bundle sha256 "${props.bundle.sha256}" is not 64 lowercase hex digits`);
    }
    const stack = Stack.of(this);
    const logPrefix = props.logPrefix ?? '';
    const scriptsDir = props.glueScriptsDir ?? path.join(__dirname, '..', '..', 'glue-scripts');

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `sfetl load job of ${props.env}`,
    });
    this.bundleAsset = new s3assets.Asset(this, 'RunnerBundle', { path: props.bundle.zipPath });
    const script = new s3assets.Asset(this, 'Script', { path: path.join(scriptsDir, 'bootstrap.py') });

    this.job = new glue.PythonShellJob(this, 'Job', {
      jobName: props.jobName,
      description: `sfetl load into the ${props.env} org (glue-scripts/bootstrap.py → sfetl load --env ${props.env})`,
      role: this.role,
      script: new ScriptCode(script),
      extraPythonFiles: [ScriptCode.sharedModule(this, scriptsDir)],
      pythonVersion: glue.PythonVersion.THREE_NINE,
      maxCapacity: props.maxCapacity ?? glue.MaxCapacity.DPU_1,
      // One run per env at a time; the runner's lease lock would refuse a second one anyway (exit 4).
      maxConcurrentRuns: 1,
      // A rerun is the operator's decision: exit 2 (too many failed rows) or 3 (mismatch) must not repeat by itself.
      maxRetries: 0,
      timeout: props.timeout ?? Duration.hours(12),
      securityConfiguration: props.security.securityConfiguration,
      // Continuous logging is a Spark feature; a Python-shell job's output goes to its log group as it comes.
      continuousLogging: { enabled: false },
      defaultArguments: {
        '--env': props.env,
        '--config': props.config.uri,
        '--bundle-s3-uri': this.bundleAsset.s3ObjectUrl,
        '--bundle-sha256': props.bundle.sha256,
        '--fail-on-threshold': 'true',
        // After the load, the runner writes the run's report to <statePrefix>reports/<run id>/<env>.html.
        '--report': 'true',
        // The run's metrics by PutMetricData: what the failure-rate alarm reads (src/infra/monitoring.ts).
        '--put-metrics': 'true',
      },
      tags: { 'sfetl:env': props.env },
    });

    const statements = [
      new iam.PolicyStatement({
        sid: 'ReadRunnerBundle',
        actions: ['s3:GetObject'],
        resources: [this.bundleAsset.bucket.arnForObjects(this.bundleAsset.s3ObjectKey)],
      }),
      new iam.PolicyStatement({
        sid: 'ReadConfig',
        actions: ['s3:GetObject'],
        resources: [props.config.objectArn(stack)],
      }),
      new iam.PolicyStatement({
        sid: 'ListSource',
        actions: ['s3:ListBucket'],
        resources: [props.sourceBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReadSource',
        actions: ['s3:GetObject'],
        resources: [props.sourceBucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'ListLogs',
        actions: ['s3:ListBucket'],
        resources: [props.logBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'WriteLogs',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [
          props.logBucket.arnForObjects(`${logPrefix}success/*`),
          props.logBucket.arnForObjects(`${logPrefix}failure/*`),
        ],
      }),
      new iam.PolicyStatement({
        // Ledgers, manifests and leases; a lease is deleted when it is handed back.
        sid: 'WriteState',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [props.logBucket.arnForObjects(`${props.statePrefix}*`)],
      }),
      new iam.PolicyStatement({
        sid: 'DataKey',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [props.dataKey.keyArn],
      }),
      new iam.PolicyStatement({
        sid: 'LogCatalog',
        actions: [
          'glue:GetDatabase',
          'glue:CreateDatabase',
          'glue:GetTable',
          // The run's report lists the log tables (sfetl load --report).
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
          'glue:BatchCreatePartition',
        ],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.logDatabaseName }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.logDatabaseName}/*` }),
        ],
      }),
      new iam.PolicyStatement({
        // PutMetricData has no resource-level permission; the namespace condition keeps the role to its own.
        sid: 'PutRunMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
      }),
      new iam.PolicyStatement({
        sid: 'WorkflowRunProperties',
        actions: ['glue:GetWorkflowRunProperties', 'glue:PutWorkflowRunProperties'],
        resources: [stack.formatArn({ service: 'glue', resource: 'workflow', resourceName: props.workflowName })],
      }),
    ];
    if (props.sourceBucketKey !== undefined) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'SourceKey',
          actions: ['kms:Decrypt'],
          resources: [props.sourceBucketKey.keyArn],
        }),
      );
    }
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
    const bySid = (sid: string): iam.PolicyStatement => {
      const found = statements.find((statement) => statement.sid === sid);
      if (found === undefined) throw new Error(`no statement ${sid}`);
      return found;
    };
    acknowledgeWildcardResources(
      this.role,
      bySid('ReadSource'),
      'Read of the source bucket: each configured object names its own prefix or key there, and the config is ' +
        'read at run time, so the grant cannot name them; read only, no write or delete.',
    );
    for (const sid of ['WriteLogs', 'WriteState']) {
      acknowledgeWildcardResources(
        this.role,
        bySid(sid),
        'The runner writes one object per log part, ledger, manifest and lease under these prefixes; the object ' +
          'names are made at run time (DESIGN.md §2.1, docs/operations.md). Scoped to success/, failure/ and the ' +
          'state prefix of the log bucket only.',
      );
    }
    acknowledgeWildcardResources(
      this.role,
      bySid('PutRunMetrics'),
      'cloudwatch:PutMetricData supports no resource-level permission (Resource must be *); the statement is ' +
        `limited to the runner's own namespace (${METRICS_NAMESPACE}) by the cloudwatch:namespace condition key.`,
    );
    acknowledgeWildcardResources(
      this.role,
      bySid('LogCatalog'),
      'The runner creates one log table per object it loads and registers their partitions: the tables of the ' +
        'log database only, no other database.',
    );
    props.orgSecret.grantRead(this.role);
    props.security.grantLogging(this.role);
  }
}
