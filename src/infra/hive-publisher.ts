import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { PUBLISH_CLUSTER_TAG } from './environments';
import { GlueJobSecurity } from './glue-job-security';
import { ScriptCode } from './script-code';
import { Storage } from './storage';
import { acknowledgeWildcardResources } from './wildcard-acknowledgment';

/** The Hive metastore client that makes Hive and Spark SQL on EMR use the Glue Data Catalog. */
export const GLUE_CATALOG_HIVE_CLIENT_FACTORY =
  'com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory';

/** EMR configurations for the Glue Data Catalog as metastore of Hive and Spark (docs/publish.md#on-emr). */
export const GLUE_CATALOG_METASTORE_CONFIGURATIONS = [
  {
    Classification: 'hive-site',
    Properties: { 'hive.metastore.client.factory.class': GLUE_CATALOG_HIVE_CLIENT_FACTORY },
  },
  {
    Classification: 'spark-hive-site',
    Properties: { 'hive.metastore.client.factory.class': GLUE_CATALOG_HIVE_CLIENT_FACTORY },
  },
];

/** How the publish step rewrites the Hive tables (emr/log_to_hive.py's `--mode`, docs/publish.md#modes). */
export type PublishMode = 'full' | 'incremental';

/** Properties of {@link HivePublisher}. */
export interface HivePublisherProps {
  /** The Glue Data Catalog database of the Hive tables; must differ from the log database. */
  readonly hiveDatabaseName: string;
  /** The log database (only to refuse the same name). */
  readonly logDatabaseName: string;
  /** The buckets and the key. */
  readonly storage: Storage;
  /**
   * Prefix of the log trees in the log bucket (config `logs.prefix`).
   * @default ''
   */
  readonly logPrefix?: string;
  /** The publish job's name. */
  readonly jobName: string;
  /** Names of the workflows that start the publish job (it reads their run properties for the run id). */
  readonly workflowNames: readonly string[];
  /** Encryption of the job's logs. */
  readonly security: GlueJobSecurity;
  /**
   * The publish job's default mode (`--publish-mode`); a run started with `--publish-mode full` (or `incremental`)
   * overrides it for that run. Incremental publishes rewrite only what new runs touched; the state's trust rules
   * widen a run to full when needed (docs/publish.md#modes), and {@link fullPublishSchedule} runs the full pass.
   * @default 'incremental'
   */
  readonly publishMode?: PublishMode;
  /**
   * A Glue cron expression (UTC) that starts the publish job in full mode, the consistency pass that rewrites
   * every partition from all logs; `'none'` for no scheduled full publish.
   * @default HivePublisher.DEFAULT_FULL_PUBLISH_SCHEDULE (Sundays 04:00 UTC)
   */
  readonly fullPublishSchedule?: string;
  /**
   * Runs of the publish job at once: the four workflows' requests, the scheduled full publish and reruns. A run
   * that finds a publish in progress waits in the queue and is covered by the next publish (docs/publish.md), so
   * only one EMR step runs at a time; the others wait at 1/16 DPU.
   * @default 10
   */
  readonly maxConcurrentRuns?: number;
  /**
   * An existing EMR cluster (`j-…`) to add the publish step to. It must have the metastore configuration and
   * its instance profile role needs {@link HivePublisher.accessPolicy}.
   * @default - every publish starts a transient cluster that terminates after the step
   */
  readonly existingClusterId?: string;
  /**
   * EMR release of the transient clusters.
   * @default 'emr-7.14.0'
   */
  readonly releaseLabel?: string;
  /**
   * Subnet of the transient clusters. With the v2 EMR service policy the subnet must carry the tag
   * `for-use-with-amazon-emr-managed-policies=true`.
   * @default - EMR picks the default VPC's subnet
   */
  readonly subnetId?: string;
  /**
   * Instance type of the transient clusters' primary and core nodes.
   * @default 'm5.xlarge'
   */
  readonly instanceType?: string;
  /**
   * Core nodes of the transient clusters.
   * @default 2
   */
  readonly coreInstanceCount?: number;
  /**
   * Stop waiting for the step after this long (the Glue job times out; the step itself keeps running).
   * @default Duration.hours(6)
   */
  readonly timeout?: Duration;
  /**
   * Directory of `submit_emr_step.py` and `sfetl_glue_job.py`.
   * @default the repository's glue-scripts/
   */
  readonly glueScriptsDir?: string;
  /**
   * Path of `log_to_hive.py`.
   * @default the repository's emr/log_to_hive.py
   */
  readonly sparkScriptPath?: string;
  /**
   * What happens to the Hive database when the stack is deleted (its data stays in the warehouse bucket).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Publishes the logs as Hive tables on EMR (docs/publish.md): the Hive database (Glue Data Catalog, located in
 * the warehouse bucket), the PySpark script as an asset, the EMR roles, the metastore configuration, the
 * Python-shell job "publish" (`glue-scripts/submit_emr_step.py`) and its weekly full-mode trigger.
 *
 * One publish job serves all four workflows. Several of its runs may be under way at once, but they go through
 * the publish queue in the log bucket's state prefix (`glue-scripts/publish_queue.py`): one holds the lease and
 * runs the EMR step, the others wait and are covered by the next step (docs/publish.md#concurrent-publish-requests).
 */
export class HivePublisher extends Construct {
  /** Default EMR release of transient clusters (submit_emr_step.py's own default). */
  static readonly DEFAULT_RELEASE_LABEL = 'emr-7.14.0';
  /** Default schedule of the full-mode consistency pass: Sundays at 04:00 UTC, after the nightly loads. */
  static readonly DEFAULT_FULL_PUBLISH_SCHEDULE = 'cron(0 4 ? * SUN *)';
  /** The queue's folder under the state prefix. */
  static readonly QUEUE_FOLDER = 'publish/';

  /** The scheduled full publish; undefined with `fullPublishSchedule: 'none'`. */
  readonly fullPublishTrigger?: glue.CfnTrigger;
  readonly database: glue.Database;
  readonly job: glue.PythonShellJob;
  readonly jobRole: iam.Role;
  /** Role of the cluster nodes (EC2 instance profile). */
  readonly instanceRole: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;
  /** EMR's service role for transient clusters; undefined with an existing cluster. */
  readonly serviceRole?: iam.Role;
  /** What the cluster nodes need to publish: attach it to an existing cluster's instance profile role too. */
  readonly accessPolicy: iam.ManagedPolicy;
  /** The metastore configuration as JSON, for creating a cluster that the publish job may use. */
  readonly metastoreConfigurationsParameter: ssm.StringParameter;
  readonly sparkScript: s3assets.Asset;

  constructor(scope: Construct, id: string, props: HivePublisherProps) {
    super(scope, id);
    if (props.hiveDatabaseName === props.logDatabaseName) {
      throw new Error(
        `the Hive database and the log database are both "${props.hiveDatabaseName}": both hold one table per ` +
          'object under the same names, so they must differ (docs/publish.md)',
      );
    }
    const stack = Stack.of(this);
    const { storage } = props;
    const logPrefix = props.logPrefix ?? '';
    const scriptsDir = props.glueScriptsDir ?? path.join(__dirname, '..', '..', 'glue-scripts');
    const warehouseUri = `s3://${storage.warehouseBucket.bucketName}/`;

    this.database = new glue.Database(this, 'Database', {
      databaseName: props.hiveDatabaseName,
      description:
        'sfetl: Hive tables of the load logs, one per Salesforce object (written by the publish step on EMR)',
      locationUri: `${warehouseUri}${props.hiveDatabaseName}.db`,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.sparkScript = new s3assets.Asset(this, 'SparkScript', {
      path: props.sparkScriptPath ?? path.join(__dirname, '..', '..', 'emr', 'log_to_hive.py'),
    });

    this.metastoreConfigurationsParameter = new ssm.StringParameter(this, 'MetastoreConfigurations', {
      description: 'sfetl: EMR configurations of a cluster the publish step runs on (Glue Data Catalog as metastore)',
      stringValue: JSON.stringify(GLUE_CATALOG_METASTORE_CONFIGURATIONS),
    });

    const clusterStatements = this.clusterStatements(props, logPrefix);
    this.accessPolicy = new iam.ManagedPolicy(this, 'AccessPolicy', {
      description:
        'sfetl publish step on EMR: read the logs, write the warehouse and the Hive database, write EMR logs',
      statements: clusterStatements,
    });
    const reasons: Record<string, string> = {
      ReadLogs:
        'The step reads every log file of every object, run and env under success/ and failure/ (a full publish ' +
        'is "read all logs"); read only, nothing else in the log bucket (not the runner state).',
      WriteWarehouse:
        'The warehouse bucket holds only the Hive tables, whose partition files and publish state Spark names ' +
        'at run time; the bucket is dedicated to them.',
      WriteEmrLogs: 'EMR writes cluster and step logs under emr-logs/<cluster id>/…, names chosen by EMR at run time.',
      HiveDatabase:
        'Tables of the Hive database only (one per object, created by the step); the log database and every ' +
        'other database stay out of reach.',
    };
    for (const statement of clusterStatements) {
      const reason = statement.sid !== undefined ? reasons[statement.sid] : undefined;
      if (reason !== undefined) acknowledgeWildcardResources(this.accessPolicy, statement, reason);
    }
    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'sfetl: EC2 instance profile role of the transient publish clusters',
      managedPolicies: [this.accessPolicy],
    });
    this.instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.instanceRole });

    let serviceRole: iam.Role | undefined;
    if (props.existingClusterId === undefined) {
      serviceRole = new iam.Role(this, 'ServiceRole', {
        assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com'),
        description: 'sfetl: EMR service role of the transient publish clusters',
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEMRServicePolicy_v2')],
      });
      // The v2 service policy may only pass the role named EMR_EC2_DefaultRole; this one has its own name.
      serviceRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ServicePassesInstanceRole',
          actions: ['iam:PassRole'],
          resources: [this.instanceRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
        }),
      );
      Validations.of(serviceRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]',
        reason:
          "AmazonEMRServicePolicy_v2 is AWS's least-privilege EMR service policy: it only acts on EC2 resources " +
          'tagged for-use-with-amazon-emr-managed-policies and its scope follows EMR releases, which a hand-copied ' +
          'policy would not.',
      });
    }

    this.serviceRole = serviceRole;
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: 'sfetl publish job: adds the Hive publish step to EMR and waits for it',
    });
    const script = new s3assets.Asset(this, 'Script', { path: path.join(scriptsDir, 'submit_emr_step.py') });
    const clusterArgs: Record<string, string> =
      serviceRole === undefined
        ? { '--cluster-id': props.existingClusterId ?? '' }
        : {
            '--release-label': props.releaseLabel ?? HivePublisher.DEFAULT_RELEASE_LABEL,
            '--cluster-name': props.jobName,
            '--log-uri': `s3://${storage.artifactsBucket.bucketName}/${Storage.EMR_LOGS_PREFIX}`,
            '--instance-type': props.instanceType ?? 'm5.xlarge',
            '--core-instance-count': String(props.coreInstanceCount ?? 2),
            '--service-role': serviceRole.roleName,
            '--job-flow-role': this.instanceProfile.instanceProfileName,
            ...(props.subnetId !== undefined ? { '--subnet-id': props.subnetId } : {}),
          };
    const publishMode = props.publishMode ?? 'incremental';
    const queuePrefix = `${storage.statePrefix}${HivePublisher.QUEUE_FOLDER}`;
    const queueModule = new s3assets.Asset(this, 'QueueModule', { path: path.join(scriptsDir, 'publish_queue.py') });
    this.job = new glue.PythonShellJob(this, 'Job', {
      jobName: props.jobName,
      description: `sfetl publish: emr/log_to_hive.py as an EMR step (glue-scripts/submit_emr_step.py), ${publishMode} mode`,
      role: this.jobRole,
      script: new ScriptCode(script),
      extraPythonFiles: [ScriptCode.sharedModule(this, scriptsDir), new ScriptCode(queueModule, 'ReadQueueModule')],
      pythonVersion: glue.PythonVersion.THREE_NINE,
      maxCapacity: glue.MaxCapacity.DPU_1_16TH,
      // Concurrent requests queue and coalesce; one EMR step at a time (docs/publish.md#concurrent-publish-requests).
      maxConcurrentRuns: props.maxConcurrentRuns ?? 10,
      maxRetries: 0,
      timeout: props.timeout ?? Duration.hours(6),
      securityConfiguration: props.security.securityConfiguration,
      continuousLogging: { enabled: false },
      defaultArguments: {
        '--script-s3-uri': this.sparkScript.s3ObjectUrl,
        '--logs': `s3://${storage.logBucket.bucketName}/${logPrefix}`,
        '--database': props.hiveDatabaseName,
        '--warehouse': warehouseUri,
        // Not `--mode`: that name is internal to Glue ("do not set").
        '--publish-mode': publishMode,
        '--queue-uri': `s3://${storage.logBucket.bucketName}/${queuePrefix}`,
        ...clusterArgs,
      },
    });
    const fullSchedule = props.fullPublishSchedule ?? HivePublisher.DEFAULT_FULL_PUBLISH_SCHEDULE;
    if (fullSchedule !== 'none') {
      this.fullPublishTrigger = new glue.CfnTrigger(this, 'FullPublish', {
        name: `${props.jobName}-full`,
        description: 'Starts the publish job in full mode: the consistency pass that rewrites every partition',
        type: 'SCHEDULED',
        schedule: fullSchedule,
        startOnCreation: true,
        actions: [{ jobName: props.jobName, arguments: { '--publish-mode': 'full' } }],
      });
      this.fullPublishTrigger.node.addDependency(this.job);
    }
    const jobReasons: Record<string, string> = {
      PublishQueue:
        'The publish queue is one object, <statePrefix>publish/queue.json, read and changed by conditional writes; ' +
        'the statement covers that folder only, not the runner state beside it.',
      ReadStepLogs:
        "submit_emr_step.py prints the tail of a failed step's stderr.gz from emr-logs/<cluster id>/steps/<step id>/, " +
        'ids known only at run time; read only.',
      StartTransientCluster:
        'RunJobFlow creates the cluster, so no cluster ARN exists to name; the statement only allows a request ' +
        'that tags the cluster sfetl:purpose=publish.',
      FollowTransientCluster:
        'Transient clusters get new ids at every publish; the statement only covers clusters tagged ' +
        'sfetl:purpose=publish.',
    };
    for (const statement of this.jobStatements(props, stack)) {
      this.jobRole.addToPrincipalPolicy(statement);
      const reason = statement.sid !== undefined ? jobReasons[statement.sid] : undefined;
      if (reason !== undefined) acknowledgeWildcardResources(this.jobRole, statement, reason);
    }
    props.security.grantLogging(this.jobRole);
  }

  /** The cluster nodes' permissions (docs/publish.md#on-emr), as narrow as the Glue client and EMRFS allow. */
  private clusterStatements(props: HivePublisherProps, logPrefix: string): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const { storage } = props;
    const hive = props.hiveDatabaseName;
    return [
      new iam.PolicyStatement({
        sid: 'ListLogsAndWarehouse',
        actions: ['s3:ListBucket'],
        resources: [storage.logBucket.bucketArn, storage.warehouseBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReadLogs',
        actions: ['s3:GetObject'],
        resources: [
          storage.logBucket.arnForObjects(`${logPrefix}success/*`),
          storage.logBucket.arnForObjects(`${logPrefix}failure/*`),
        ],
      }),
      new iam.PolicyStatement({
        sid: 'WriteWarehouse',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [storage.warehouseBucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'ReadSparkScript',
        actions: ['s3:GetObject'],
        resources: [this.sparkScript.bucket.arnForObjects(this.sparkScript.s3ObjectKey)],
      }),
      new iam.PolicyStatement({
        sid: 'WriteEmrLogs',
        actions: ['s3:PutObject'],
        resources: [storage.artifactsBucket.arnForObjects(`${Storage.EMR_LOGS_PREFIX}*`)],
      }),
      new iam.PolicyStatement({
        sid: 'DataKey',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [storage.key.keyArn],
      }),
      new iam.PolicyStatement({
        sid: 'HiveDatabase',
        actions: [
          'glue:GetDatabase',
          'glue:CreateDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
          'glue:CreatePartition',
          'glue:BatchCreatePartition',
          'glue:UpdatePartition',
          'glue:DeletePartition',
          'glue:BatchDeletePartition',
          'glue:GetUserDefinedFunctions',
        ],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          // Hive and Spark look up the `default` database when they start.
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: 'default' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: hive }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${hive}/*` }),
          stack.formatArn({ service: 'glue', resource: 'userDefinedFunction', resourceName: `${hive}/*` }),
        ],
      }),
    ];
  }

  /** The publish job's permissions: start or use the cluster, follow the step, read its stderr. */
  private jobStatements(props: HivePublisherProps, stack: Stack): iam.PolicyStatement[] {
    const { storage } = props;
    const statements = [
      new iam.PolicyStatement({
        sid: 'WorkflowRunProperties',
        actions: ['glue:GetWorkflowRunProperties'],
        resources: props.workflowNames.map((name) =>
          stack.formatArn({ service: 'glue', resource: 'workflow', resourceName: name }),
        ),
      }),
      new iam.PolicyStatement({
        sid: 'ReadStepLogs',
        actions: ['s3:GetObject'],
        resources: [storage.artifactsBucket.arnForObjects(`${Storage.EMR_LOGS_PREFIX}*`)],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptStepLogs',
        actions: ['kms:Decrypt'],
        resources: [storage.key.keyArn],
      }),
      new iam.PolicyStatement({
        sid: 'PublishQueue',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [storage.logBucket.arnForObjects(`${storage.statePrefix}${HivePublisher.QUEUE_FOLDER}*`)],
      }),
      new iam.PolicyStatement({
        sid: 'PublishQueueKey',
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [storage.key.keyArn],
      }),
    ];
    const serviceRole = this.serviceRole;
    if (serviceRole === undefined) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'UseExistingCluster',
          actions: [
            'elasticmapreduce:AddJobFlowSteps',
            'elasticmapreduce:DescribeStep',
            'elasticmapreduce:ListSteps',
            'elasticmapreduce:DescribeCluster',
          ],
          resources: [
            stack.formatArn({
              service: 'elasticmapreduce',
              resource: 'cluster',
              resourceName: props.existingClusterId ?? '',
            }),
          ],
        }),
      );
      return statements;
    }
    const runJobFlow = new iam.PolicyStatement({
      sid: 'StartTransientCluster',
      actions: ['elasticmapreduce:RunJobFlow'],
      resources: ['*'],
      conditions: { StringEquals: { [`aws:RequestTag/${PUBLISH_CLUSTER_TAG.key}`]: PUBLISH_CLUSTER_TAG.value } },
    });
    statements.push(
      runJobFlow,
      new iam.PolicyStatement({
        sid: 'FollowTransientCluster',
        actions: ['elasticmapreduce:DescribeStep', 'elasticmapreduce:ListSteps', 'elasticmapreduce:DescribeCluster'],
        resources: [stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' })],
        conditions: {
          StringEquals: { [`elasticmapreduce:ResourceTag/${PUBLISH_CLUSTER_TAG.key}`]: PUBLISH_CLUSTER_TAG.value },
        },
      }),
      new iam.PolicyStatement({
        sid: 'PassServiceRole',
        actions: ['iam:PassRole'],
        resources: [serviceRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'elasticmapreduce.amazonaws.com' } },
      }),
      new iam.PolicyStatement({
        sid: 'PassInstanceRole',
        actions: ['iam:PassRole'],
        resources: [this.instanceRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
    );
    return statements;
  }
}
