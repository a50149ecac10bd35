import { Node } from 'constructs';
import { SFETL_ENVIRONMENTS, SfetlEnvironment } from './environments';
import type { PublishMode } from './hive-publisher';

/** What a deployment is made of; every field has a CDK context key `sfetl:<field>` (docs/deploy.md). */
export interface SfetlAppSettings {
  /**
   * Prefix of stack names and physical names (jobs, workflows, secrets), so several deployments fit in one account.
   * @default 'sfetl'
   */
  readonly namePrefix?: string;
  /**
   * The sObjects the configuration loads: the Athena named queries and the dashboard list them.
   * @default ['Account', 'Contact']
   */
  readonly objects?: readonly string[];
  /**
   * The Glue database of the log tables (config `logs.glueDatabase`).
   * @default 'sfetl_logs'
   */
  readonly logDatabaseName?: string;
  /**
   * The Glue database of the Hive tables; must differ from the log database.
   * @default 'sfetl'
   */
  readonly hiveDatabaseName?: string;
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
   * @default - the stack creates one
   */
  readonly sourceBucketName?: string;
  /**
   * The KMS key of the existing source bucket.
   * @default - none
   */
  readonly sourceBucketKeyArn?: string;
  /**
   * Where the load configuration is (`s3://bucket/key`); the load jobs may read exactly that object.
   * @default s3://<artifacts bucket>/config/sfetl.yaml
   */
  readonly configS3Uri?: string;
  /**
   * An existing EMR cluster (`j-…`) for the publish step.
   * @default - transient clusters
   */
  readonly emrClusterId?: string;
  /**
   * Subnet of transient EMR clusters.
   * @default - the default VPC's
   */
  readonly emrSubnetId?: string;
  /**
   * How the publish job rewrites the Hive tables: `full` (every partition from all logs) or `incremental`
   * (only partitions touched by new runs); a run can override it with `--publish-mode`.
   * @default 'incremental'
   */
  readonly publishMode?: PublishMode;
  /**
   * Glue cron expression (UTC) of the full publish, the weekly consistency pass; `none` for no scheduled full publish.
   * @default 'cron(0 4 ? * SUN *)' (HivePublisher.DEFAULT_FULL_PUBLISH_SCHEDULE)
   */
  readonly fullPublishSchedule?: string;
  /**
   * Glue cron expression per environment that starts its workflow, e.g. `{ prod: 'cron(0 2 * * ? *)' }`.
   * @default - every workflow runs on demand only
   */
  readonly schedules?: Partial<Record<SfetlEnvironment, string>>;
  /**
   * Address for the alerts.
   * @default - none: subscribe to the topic yourself
   */
  readonly alertEmail?: string;
  /**
   * A Slack channel for the alerts through AWS Chatbot: `sfetl:slackWorkspaceId` and `sfetl:slackChannelId`
   * (both or neither).
   * @default - no chat channel
   */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /**
   * Failure-rate alarm threshold in percent.
   * @default 5
   */
  readonly failureRateThresholdPercent?: number;
  /**
   * Directory with runner-bundle.zip and its .sha256.
   * @default the repository's dist/
   */
  readonly bundleDir?: string;
}

/** Settings read from CDK context: `-c sfetl:objects=Account,Contact`, or the same keys in cdk.json's context. */
export function settingsFromContext(node: Node): SfetlAppSettings {
  const text = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(`sfetl:${key}`);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`context sfetl:${key} must be a string, not ${JSON.stringify(value)}`);
    }
    return String(value);
  };
  const list = (key: string): string[] | undefined => {
    const value: unknown = node.tryGetContext(`sfetl:${key}`);
    if (value === undefined || value === null || value === '') return undefined;
    if (Array.isArray(value)) return value.map(String);
    return String(value)
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  };
  const schedules: Partial<Record<SfetlEnvironment, string>> = {};
  for (const env of SFETL_ENVIRONMENTS) {
    const schedule = text(`schedule:${env}`);
    if (schedule !== undefined) schedules[env] = schedule;
  }
  const publishMode = text('publishMode');
  if (publishMode !== undefined && publishMode !== 'full' && publishMode !== 'incremental') {
    throw new Error(`context sfetl:publishMode must be full or incremental, not "${publishMode}"`);
  }
  const threshold = text('failureRateThresholdPercent');
  const thresholdNumber = threshold === undefined ? undefined : Number(threshold);
  if (thresholdNumber !== undefined && !(thresholdNumber >= 0 && thresholdNumber <= 100)) {
    throw new Error(`context sfetl:failureRateThresholdPercent must be a number from 0 to 100, not "${threshold}"`);
  }
  const slackWorkspaceId = text('slackWorkspaceId');
  const slackChannelId = text('slackChannelId');
  if ((slackWorkspaceId === undefined) !== (slackChannelId === undefined)) {
    throw new Error('context sfetl:slackWorkspaceId and sfetl:slackChannelId go together: set both, or neither');
  }
  return {
    namePrefix: text('namePrefix'),
    objects: list('objects'),
    logDatabaseName: text('logDatabaseName'),
    hiveDatabaseName: text('hiveDatabaseName'),
    logPrefix: text('logPrefix'),
    statePrefix: text('statePrefix'),
    sourceBucketName: text('sourceBucketName'),
    sourceBucketKeyArn: text('sourceBucketKeyArn'),
    configS3Uri: text('configS3Uri'),
    emrClusterId: text('emrClusterId'),
    emrSubnetId: text('emrSubnetId'),
    publishMode,
    fullPublishSchedule: text('fullPublishSchedule'),
    schedules,
    alertEmail: text('alertEmail'),
    slack:
      slackWorkspaceId !== undefined && slackChannelId !== undefined
        ? { workspaceId: slackWorkspaceId, channelId: slackChannelId }
        : undefined,
    failureRateThresholdPercent: thresholdNumber,
    bundleDir: text('bundleDir'),
  };
}
