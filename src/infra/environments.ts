import { Aws } from 'aws-cdk-lib';

/** The four Salesforce orgs the pipeline loads into (DESIGN.md §2.5); the list is fixed. */
export const SFETL_ENVIRONMENTS = ['dev', 'qa', 'uat', 'prod'] as const;

/** One of the four environments. */
export type SfetlEnvironment = (typeof SFETL_ENVIRONMENTS)[number];

/** Environments whose loads need `--confirm-env <env>` (docs/configuration.md: prod is protected by default). */
export const PROTECTED_ENVIRONMENTS: readonly SfetlEnvironment[] = ['prod'];

/** The CloudWatch namespace of the runner's embedded metrics (src/cli/load-reporter.ts). */
export const METRICS_NAMESPACE = 's3-salesforce-etl';

/** The tag `glue-scripts/submit_emr_step.py` puts on the transient clusters it starts. */
export const PUBLISH_CLUSTER_TAG = { key: 'sfetl:purpose', value: 'publish' } as const;

/** Physical names shared between stacks, so that no stack needs another stack's tokens to name them. */
export class ResourceNames {
  constructor(
    /** Prefix of every physical name (lowercase letters, digits and `-`). */
    readonly prefix: string,
  ) {
    if (!/^[a-z][a-z0-9-]{0,19}$/.test(prefix)) {
      throw new Error(
        `name prefix "${prefix}" must start with a lowercase letter and hold at most 20 lowercase letters, digits or "-"`,
      );
    }
  }

  loadJob(env: SfetlEnvironment): string {
    return `${this.prefix}-load-${env}`;
  }

  publishJob(): string {
    return `${this.prefix}-publish`;
  }

  workflow(env: SfetlEnvironment): string {
    return `${this.prefix}-${env}`;
  }

  secret(env: SfetlEnvironment): string {
    return `${this.prefix}/${env}`;
  }

  /** Per stack: `shared` or an environment. */
  securityConfiguration(owner: string): string {
    return `${this.prefix}-glue-jobs-${owner}`;
  }

  /**
   * `<prefix>-<purpose>-<account>-<region>`: a name every stack can compute, so that the environment stacks
   * refer to the shared buckets without CloudFormation exports (an export pins what it exports).
   */
  bucket(purpose: 'source' | 'logs' | 'warehouse' | 'artifacts' | 'access-logs'): string {
    return `${this.prefix}-${purpose}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
  }

  athenaWorkGroup(): string {
    return `${this.prefix}-logs`;
  }
}
