import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ResourceNames, SfetlEnvironment } from './environments';
import { GlueJobSecurity } from './glue-job-security';
import { LoadJob, RunnerBundle } from './load-job';
import { OrgSecret } from './org-secret';
import { PipelineWorkflow } from './pipeline-workflow';
import { S3Location } from './s3-location';
import { SharedStack } from './shared-stack';
import { Storage } from './storage';

/** Properties of {@link EnvironmentStack}. */
export interface EnvironmentStackProps extends StackProps {
  /** The environment (org). */
  readonly sfetlEnv: SfetlEnvironment;
  /** Physical names. */
  readonly names: ResourceNames;
  /** The shared stack: deployed first; its key is the one export this stack imports. */
  readonly shared: SharedStack;
  /** The runner bundle. */
  readonly bundle: RunnerBundle;
  /**
   * Where the load configuration is.
   * @default s3://<artifacts bucket>/config/sfetl.yaml
   */
  readonly config?: S3Location;
  /**
   * Prefix of the log trees in the log bucket (config `logs.prefix`).
   * @default ''
   */
  readonly logPrefix?: string;
  /**
   * The KMS key of an existing source bucket.
   * @default - none
   */
  readonly sourceBucketKeyArn?: string;
  /**
   * Glue cron expression that starts the workflow.
   * @default - on demand only
   */
  readonly schedule?: string;
  /**
   * DPUs of the load job.
   * @default glue.MaxCapacity.DPU_1
   */
  readonly loadJobMaxCapacity?: glue.MaxCapacity;
}

/**
 * One environment: its org secret, its load job and its workflow, which ends in the shared publish job.
 * The shared buckets and the publish job are referred to by name; only the data key's ARN is imported.
 */
export class EnvironmentStack extends Stack {
  readonly orgSecret: OrgSecret;
  readonly loadJob: LoadJob;
  readonly pipeline: PipelineWorkflow;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id, props);
    const { names, shared, sfetlEnv: env } = props;
    this.addStackDependency(shared, 'buckets, key, log database and publish job come from the shared stack');
    const security = new GlueJobSecurity(this, 'GlueJobSecurity', {
      key: shared.storage.key,
      securityConfigurationName: names.securityConfiguration(env),
    });
    this.orgSecret = new OrgSecret(this, 'OrgSecret', { env, secretName: names.secret(env) });
    this.loadJob = new LoadJob(this, 'LoadJob', {
      env,
      jobName: names.loadJob(env),
      workflowName: names.workflow(env),
      bundle: props.bundle,
      config: props.config ?? new S3Location(names.bucket('artifacts'), Storage.CONFIG_KEY),
      sourceBucket: s3.Bucket.fromBucketName(this, 'SourceBucket', shared.sourceBucketName),
      sourceBucketKey:
        props.sourceBucketKeyArn !== undefined
          ? kms.Key.fromKeyArn(this, 'SourceBucketKey', props.sourceBucketKeyArn)
          : undefined,
      logBucket: s3.Bucket.fromBucketName(this, 'LogBucket', names.bucket('logs')),
      dataKey: shared.storage.key,
      logPrefix: props.logPrefix,
      statePrefix: shared.statePrefix,
      logDatabaseName: shared.logDatabaseName,
      orgSecret: this.orgSecret,
      security,
      maxCapacity: props.loadJobMaxCapacity,
    });
    this.pipeline = new PipelineWorkflow(this, 'Workflow', {
      env,
      workflowName: names.workflow(env),
      loadJob: this.loadJob.job,
      publishJob: glue.Job.fromJobAttributes(this, 'PublishJob', { jobName: names.publishJob() }),
      schedule: props.schedule,
    });
    new CfnOutput(this, 'WorkflowName', { value: names.workflow(env) });
    new CfnOutput(this, 'LoadJobName', { value: names.loadJob(env) });
    new CfnOutput(this, 'OrgSecretName', { value: names.secret(env) });
  }
}
