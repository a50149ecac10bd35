import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SfetlEnvironment } from './environments';

/** Properties of {@link OrgSecret}. */
export interface OrgSecretProps {
  /** The environment whose Salesforce org the secret signs in to. */
  readonly env: SfetlEnvironment;
  /** The secret's name; the configuration's `environments.<env>.auth.secretId` names it. */
  readonly secretName: string;
  /**
   * What happens to the secret when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Secrets Manager secret that holds one org's OAuth credentials (docs/configuration.md#secrets).
 *
 * The template carries no value: Secrets Manager fills the secret with a random placeholder at creation and the
 * operator replaces it with the connected app's credentials (docs/deploy.md). Only that environment's load job
 * is granted read access ({@link grantRead}).
 */
export class OrgSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: OrgSecretProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description:
        `sfetl ${props.env}: OAuth credentials of the ${props.env} Salesforce org as JSON ` +
        '({"clientId","clientSecret"} or {"clientId","username","privateKey"}); see docs/configuration.md',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value is a Salesforce connected app credential (consumer secret or JWT private key) that only the ' +
        'org admin can rotate, in Salesforce; a rotation Lambda cannot issue new ones. Rotation is a documented ' +
        'manual step in docs/deploy.md.',
    });
  }

  /** Read access for one principal (the environment's load job role), on this secret only. */
  grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOrgSecret',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [this.secret.secretArn],
      }),
    );
  }
}
