import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './wildcard-acknowledgment';

/** Properties of {@link GlueJobSecurity}. */
export interface GlueJobSecurityProps {
  /**
   * The key that encrypts the jobs' CloudWatch logs, bookmarks and S3 writes. Its policy must let CloudWatch Logs
   * use it for the log groups under `/aws-glue/` ({@link Storage} does).
   */
  readonly key: kms.IKey;
  /** Name of the Glue security configuration (unique in the account and region). */
  readonly securityConfigurationName: string;
}

/**
 * The Glue security configuration every sfetl job runs with: CloudWatch logs, job bookmarks and Glue's own S3
 * writes encrypted with the project key. With CloudWatch encryption on, Glue writes a job's output to
 * `/aws-glue/python-jobs/<configuration>-role/<role>/output`, so each job role needs {@link grantLogging}. One per
 * stack, so that a job and its security configuration never live in different stacks.
 */
export class GlueJobSecurity extends Construct {
  readonly securityConfiguration: glue.SecurityConfiguration;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: GlueJobSecurityProps) {
    super(scope, id);
    this.key = props.key;
    this.securityConfiguration = new glue.SecurityConfiguration(this, 'Configuration', {
      securityConfigurationName: props.securityConfigurationName,
      cloudWatchEncryption: glue.CloudWatchEncryption.kms(props.key),
      jobBookmarksEncryption: glue.JobBookmarksEncryption.clientSideKms(props.key),
      s3Encryption: glue.S3Encryption.kms(props.key),
    });
  }

  /** What a job role needs to write its (encrypted) logs: the log groups under `/aws-glue/` and the key. */
  grantLogging(role: iam.IRole): void {
    const stack = Stack.of(role);
    const logs = new iam.PolicyStatement({
      sid: 'GlueJobLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
      resources: [`arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws-glue/*`],
    });
    role.addToPrincipalPolicy(logs);
    acknowledgeWildcardResources(
      role,
      logs,
      "Glue names a job's log groups and streams itself (/aws-glue/python-jobs/<security configuration>-role/" +
        "<role>/output|error, one stream per job run): the grant covers Glue's own log groups only.",
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GlueJobEncryption',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    );
  }
}
