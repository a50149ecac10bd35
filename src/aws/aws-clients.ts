import { isIP } from 'node:net';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface AwsClientsProps {
  /** AWS region of the buckets, the Glue Data Catalog and the secrets, e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * Base URL of an S3/Glue/Secrets Manager emulator (moto), e.g. `http://127.0.0.1:5000`. S3 is then
   * addressed path-style, since an emulator serves on an IP or `localhost`, not on bucket subdomains.
   * @default the real AWS endpoints of `region`
   */
  readonly endpoint?: string;
  /**
   * How many times a request is tried in all (first try included) on throttling, 5xx and network errors.
   * @default the SDK's default (3)
   */
  readonly maxAttempts?: number;
  /**
   * The environment to look for AWS credentials in; only the test seam changes it.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
}

/** The AWS clients every other part receives; nothing else in the code base constructs them. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly glue: GlueClient;
  readonly secrets: SecretsManagerClient;
  /** The runner's metrics (PutMetricData); see run-metrics.ts. */
  readonly cloudwatch: CloudWatchClient;
}

/** The fixed credentials an emulator on this machine accepts (moto takes any; these are its documented ones). */
export const LOCAL_EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/**
 * Variables by which the SDK's default chain finds credentials without a network call: static keys, a
 * profile (which may hold keys, SSO or a role), web identity (EKS, GitHub OIDC) and the container
 * endpoint (ECS, Glue). If one is set, the operator chose credentials and we must not override them.
 */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
] as const;

/** True for `localhost` and loopback addresses (127.0.0.0/8, ::1): an emulator on this very machine. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^::ffff:7f[0-9a-f]{2}:/.test(host);
  return false;
}

/**
 * The credentials to pin, if any: only for an emulator on loopback and only when the environment names
 * none. Pinning them means a laptop without an AWS account (where the SDK's default chain would fail
 * after probing EC2 instance metadata for seconds) just works, while an emulator elsewhere on the
 * network, or real AWS, always goes through the normal chain.
 */
export function localEmulatorCredentials(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): typeof LOCAL_EMULATOR_CREDENTIALS | undefined {
  if (endpoint === undefined || !isLoopbackEndpoint(endpoint)) return undefined;
  const named = CREDENTIAL_VARIABLES.some((name) => (env[name] ?? '') !== '');
  return named ? undefined : LOCAL_EMULATOR_CREDENTIALS;
}

/**
 * Builds the S3, Glue and Secrets Manager clients, for real AWS (default credential chain) or for an
 * emulator (`endpoint`; path-style S3; the emulator's credentials when on loopback and none are set).
 */
export function createAwsClients(props: AwsClientsProps): AwsClients {
  const credentials = localEmulatorCredentials(props.endpoint, props.env ?? process.env);
  const common = {
    region: props.region,
    ...(props.endpoint !== undefined ? { endpoint: props.endpoint } : {}),
    ...(credentials !== undefined ? { credentials: { ...credentials } } : {}),
    ...(props.maxAttempts !== undefined ? { maxAttempts: props.maxAttempts } : {}),
  };
  return {
    s3: new S3Client({ ...common, forcePathStyle: props.endpoint !== undefined }),
    glue: new GlueClient(common),
    secrets: new SecretsManagerClient(common),
    cloudwatch: new CloudWatchClient(common),
  };
}
