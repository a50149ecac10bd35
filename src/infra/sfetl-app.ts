import { App, Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SfetlAppSettings } from './app-settings';
import { EnvironmentStack } from './environment-stack';
import { ResourceNames, SFETL_ENVIRONMENTS, SfetlEnvironment } from './environments';
import { RunnerBundle } from './load-job';
import { S3Location } from './s3-location';
import { SharedStack } from './shared-stack';

const CROSS_STACK_REFERENCES_FLAG = '@aws-cdk/core:defaultCrossStackReferences';

/** The stacks of one deployment. */
export interface SfetlStacks {
  readonly shared: SharedStack;
  readonly environments: Record<SfetlEnvironment, EnvironmentStack>;
}

/**
 * Adds the stacks of one deployment to `app`: `<prefix>-shared` and one `<prefix>-<env>` per environment.
 * `awsEnv` pins account and region; left out, the stacks are environment-agnostic (the CLI's profile decides).
 */
export function addSfetlStacks(
  app: App,
  settings: SfetlAppSettings,
  bundle: RunnerBundle,
  awsEnv?: Environment,
): SfetlStacks {
  // The key ARN is the one cross-stack reference: strong, so the shared key cannot go while an env uses it.
  if (app.node.tryGetContext(CROSS_STACK_REFERENCES_FLAG) === undefined) {
    app.node.setContext(CROSS_STACK_REFERENCES_FLAG, 'strong');
  }
  const names = new ResourceNames(settings.namePrefix ?? 'sfetl');
  const objects = settings.objects ?? ['Account', 'Contact'];
  const logPrefix = settings.logPrefix ?? '';
  const shared = new SharedStack(app, `${names.prefix}-shared`, {
    env: awsEnv,
    description: 's3-salesforce-etl: buckets, log catalog and Athena, Hive publisher, monitoring (shared by all envs)',
    names,
    objects,
    logDatabaseName: settings.logDatabaseName ?? 'sfetl_logs',
    hiveDatabaseName: settings.hiveDatabaseName ?? 'sfetl',
    logPrefix,
    statePrefix: settings.statePrefix,
    existingSourceBucketName: settings.sourceBucketName,
    existingSourceBucketKeyArn: settings.sourceBucketKeyArn,
    existingEmrClusterId: settings.emrClusterId,
    emrSubnetId: settings.emrSubnetId,
    publishMode: settings.publishMode,
    fullPublishSchedule: settings.fullPublishSchedule,
    failureRateThresholdPercent: settings.failureRateThresholdPercent,
    alertEmail: settings.alertEmail,
    slack: settings.slack,
  });
  const config = settings.configS3Uri !== undefined ? S3Location.fromUri(settings.configS3Uri) : undefined;
  const environments = {} as Record<SfetlEnvironment, EnvironmentStack>;
  for (const env of SFETL_ENVIRONMENTS) {
    environments[env] = new EnvironmentStack(app, `${names.prefix}-${env}`, {
      env: awsEnv,
      description: `s3-salesforce-etl ${env}: org secret, load job, workflow`,
      sfetlEnv: env,
      names,
      shared,
      bundle,
      config,
      logPrefix,
      sourceBucketKeyArn: settings.sourceBucketKeyArn,
      schedule: settings.schedules?.[env],
    });
  }
  return { shared, environments };
}

/** Runs cdk-nag's AwsSolutions pack on every synth of `app`: an unacknowledged finding fails the synth. */
export function addSecurityChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
