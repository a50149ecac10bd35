import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ResourceNames, SFETL_ENVIRONMENTS } from './environments';
import { GlueJobSecurity } from './glue-job-security';
import { HivePublisher, PublishMode } from './hive-publisher';
import { LogCatalog } from './log-catalog';
import { Monitoring, SlackAlerts } from './monitoring';
import { Storage } from './storage';

/** Properties of {@link SharedStack}. */
export interface SharedStackProps extends StackProps {
  /** Physical names. */
  readonly names: ResourceNames;
  /** The sObjects loaded (named queries, dashboard). */
  readonly objects: readonly string[];
  /** The Glue database of the log tables. */
  readonly logDatabaseName: string;
  /** The Glue database of the Hive tables. */
  readonly hiveDatabaseName: string;
  /**
   * Prefix of the log trees in the log bucket (config `logs.prefix`).
   * @default ''
   */
  readonly logPrefix?: string;
  /**
   * The runner's state prefix (config `logs.statePrefix`).
   * @default '_sfetl/'
   */
  readonly statePrefix?: string;
  /**
   * An existing source bucket.
   * @default - one is created
   */
  readonly existingSourceBucketName?: string;
  /**
   * The KMS key of the existing source bucket.
   * @default - none
   */
  readonly existingSourceBucketKeyArn?: string;
  /**
   * An existing EMR cluster for the publish step.
   * @default - transient clusters
   */
  readonly existingEmrClusterId?: string;
  /**
   * Subnet of transient EMR clusters.
   * @default - the default VPC's
   */
  readonly emrSubnetId?: string;
  /**
   * The publish job's default mode.
   * @default 'incremental'
   */
  readonly publishMode?: PublishMode;
  /**
   * Glue cron expression of the scheduled full publish; `'none'` for none.
   * @default HivePublisher.DEFAULT_FULL_PUBLISH_SCHEDULE
   */
  readonly fullPublishSchedule?: string;
  /**
   * Failure-rate alarm threshold in percent.
   * @default 5
   */
  readonly failureRateThresholdPercent?: number;
  /**
   * Address for the alerts.
   * @default - none
   */
  readonly alertEmail?: string;
  /**
   * A Slack channel for the alerts (AWS Chatbot).
   * @default - none
   */
  readonly slack?: SlackAlerts;
}

/**
 * What the four environments share: buckets and key, the Glue security configuration, the log database and
 * Athena workgroup, the Hive publisher (one Hive database, one publish job) and the monitoring.
 */
export class SharedStack extends Stack {
  readonly storage: Storage;
  readonly security: GlueJobSecurity;
  readonly logCatalog: LogCatalog;
  readonly publisher: HivePublisher;
  readonly monitoring: Monitoring;
  /** The log database's name (a literal, so environment stacks need no export for it). */
  readonly logDatabaseName: string;
  /** The source bucket's name (a literal, for the same reason). */
  readonly sourceBucketName: string;
  /** The runner's state prefix. */
  readonly statePrefix: string;

  constructor(scope: Construct, id: string, props: SharedStackProps) {
    super(scope, id, props);
    const { names } = props;
    this.logDatabaseName = props.logDatabaseName;
    this.sourceBucketName = props.existingSourceBucketName ?? names.bucket('source');
    this.storage = new Storage(this, 'Storage', {
      bucketNames: {
        source: names.bucket('source'),
        logs: names.bucket('logs'),
        warehouse: names.bucket('warehouse'),
        artifacts: names.bucket('artifacts'),
        accessLogs: names.bucket('access-logs'),
      },
      existingSourceBucketName: props.existingSourceBucketName,
      existingSourceBucketKeyArn: props.existingSourceBucketKeyArn,
      statePrefix: props.statePrefix,
    });
    this.statePrefix = this.storage.statePrefix;
    this.security = new GlueJobSecurity(this, 'GlueJobSecurity', {
      key: this.storage.key,
      securityConfigurationName: names.securityConfiguration('shared'),
    });
    this.logCatalog = new LogCatalog(this, 'LogCatalog', {
      databaseName: props.logDatabaseName,
      objects: props.objects,
      workGroupName: names.athenaWorkGroup(),
      resultsBucket: this.storage.artifactsBucket,
      resultsPrefix: Storage.ATHENA_RESULTS_PREFIX,
      resultsKey: this.storage.key,
    });
    this.publisher = new HivePublisher(this, 'HivePublisher', {
      hiveDatabaseName: props.hiveDatabaseName,
      logDatabaseName: props.logDatabaseName,
      storage: this.storage,
      logPrefix: props.logPrefix,
      jobName: names.publishJob(),
      workflowNames: SFETL_ENVIRONMENTS.map((env) => names.workflow(env)),
      security: this.security,
      existingClusterId: props.existingEmrClusterId,
      subnetId: props.emrSubnetId,
      publishMode: props.publishMode,
      fullPublishSchedule: props.fullPublishSchedule,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      loadJobs: SFETL_ENVIRONMENTS.map((env) => ({ env, jobName: names.loadJob(env) })),
      publishJobName: names.publishJob(),
      objects: props.objects,
      dashboardName: names.prefix,
      failureRateThresholdPercent: props.failureRateThresholdPercent,
      alertEmail: props.alertEmail,
      reportsLocation: `s3://${names.bucket('logs')}/${this.statePrefix}reports/`,
      slack: props.slack,
    });

    new CfnOutput(this, 'SourceBucketName', {
      description: 'Source bucket: objects[].source in the config',
      value: this.storage.sourceBucket.bucketName,
    });
    new CfnOutput(this, 'LogBucketName', {
      description: 'Log bucket: logs.bucket in the config',
      value: this.storage.logBucket.bucketName,
    });
    new CfnOutput(this, 'ArtifactsBucketName', {
      description: 'Artifacts bucket: the config (config/sfetl.yaml), Athena results, EMR logs',
      value: this.storage.artifactsBucket.bucketName,
    });
    new CfnOutput(this, 'AthenaWorkGroup', { value: names.athenaWorkGroup() });
    new CfnOutput(this, 'AlertTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'PublishClusterPolicyArn', {
      description: "Attach to an existing EMR cluster's instance profile role so the publish step may run there",
      value: this.publisher.accessPolicy.managedPolicyArn,
    });
    new CfnOutput(this, 'MetastoreConfigurationsParameter', {
      description: 'SSM parameter with the EMR configurations (Glue Data Catalog as metastore) for your own cluster',
      value: this.publisher.metastoreConfigurationsParameter.parameterName,
    });
  }
}
