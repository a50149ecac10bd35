import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { stringify as toYaml } from 'yaml';
import { EmulatorStartError } from '../../packages/emulator/src';
import { createAwsClients } from '../aws';
import { ENV_NAMES } from '../config';
import { generateSampleData } from '../demo';
import { LocalParts, MotoStartError, PythonVenvMissingError } from '../local-parts';
import { parseCommandArgs } from './command-args';
import { CliError } from './exit-codes';
import { messages } from './messages';

/** Names the embedded default uses; the generated config refers to them. */
export const STACK = {
  sourceBucket: 'sfetl-source',
  logBucket: 'sfetl-logs',
  glueDatabase: 'sfetl_logs',
  secretId: (env: string) => `sfetl/${env}`,
  region: 'us-east-1',
} as const;

/** What `sfetl stack` prints (one JSON line) and what tests use. */
export interface StackDescription {
  readonly orgs: Record<
    string,
    {
      instanceUrl: string;
      orgId: string;
      loginUrl: string;
      clientId: string;
      clientSecret: string;
      controlUrl: string;
    }
  >;
  readonly aws: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  readonly buckets: { source: string; logs: string };
  readonly glueDatabase: string;
  readonly secrets: Record<string, string>;
  readonly config: string;
}

/**
 * Starts the embedded default and prepares it: buckets, one secret per env with the emulated org's client
 * credentials, and a ready configuration file.
 */
export async function startStack(dir: string): Promise<{ parts: LocalParts; description: StackDescription }> {
  const parts = await startLocalParts();
  try {
    const aws = createAwsClients({ region: STACK.region, endpoint: parts.aws.endpoint });
    await aws.s3.send(new CreateBucketCommand({ Bucket: STACK.sourceBucket }));
    await aws.s3.send(new CreateBucketCommand({ Bucket: STACK.logBucket }));
    const secrets: Record<string, string> = {};
    for (const env of ENV_NAMES) {
      const org = parts.orgs[env]!;
      await aws.secrets.send(
        new CreateSecretCommand({
          Name: STACK.secretId(env),
          SecretString: JSON.stringify({ clientId: org.clientId, clientSecret: org.clientSecret }),
        }),
      );
      secrets[env] = STACK.secretId(env);
    }
    const config = {
      environments: Object.fromEntries(
        ENV_NAMES.map((env) => [
          env,
          {
            instanceUrl: parts.orgs[env]!.instanceUrl,
            // Pinned, as docs/configuration.md recommends for every org: a load checks the token's org against it.
            orgId: parts.orgs[env]!.orgId,
            loginUrl: parts.orgs[env]!.loginUrl,
            apiVersion: '66.0',
            auth: { type: 'client_credentials', secretId: STACK.secretId(env) },
            protected: env === 'prod',
          },
        ]),
      ),
      objects: [
        {
          name: 'Account',
          source: `s3://${STACK.sourceBucket}/Account/`,
          operation: 'upsert',
          externalIdField: 'Ext_Id__c',
          loadOrder: 1,
        },
        {
          name: 'Contact',
          source: `s3://${STACK.sourceBucket}/Contact/`,
          operation: 'upsert',
          externalIdField: 'Ext_Id__c',
          loadOrder: 2,
        },
        {
          name: 'Invoice__c',
          source: `s3://${STACK.sourceBucket}/Invoice__c/`,
          operation: 'upsert',
          externalIdField: 'Invoice_Number__c',
          loadOrder: 3,
        },
      ],
      logs: { bucket: STACK.logBucket, prefix: '', glueDatabase: STACK.glueDatabase, statePrefix: '_sfetl/' },
      limits: { failureRateThreshold: 0.05, concurrency: 4, pollIntervalMs: 200, pollMaxIntervalMs: 2000 },
      aws: { region: STACK.region, endpoint: parts.aws.endpoint },
    };
    mkdirSync(dir, { recursive: true });
    const configPath = resolve(join(dir, 'sfetl-stack.yaml'));
    writeFileSync(
      configPath,
      `# Written by "sfetl stack" for the embedded default; valid while that stack runs.\n${toYaml(config)}`,
    );
    const description: StackDescription = {
      orgs: Object.fromEntries(
        ENV_NAMES.map((env) => {
          const o = parts.orgs[env]!;
          return [
            env,
            {
              instanceUrl: o.instanceUrl,
              orgId: o.orgId,
              loginUrl: o.loginUrl,
              clientId: o.clientId,
              clientSecret: o.clientSecret,
              controlUrl: o.controlUrl,
            },
          ];
        }),
      ),
      aws: { endpoint: parts.aws.endpoint, region: STACK.region, ...parts.aws.credentials },
      buckets: { source: STACK.sourceBucket, logs: STACK.logBucket },
      glueDatabase: STACK.glueDatabase,
      secrets,
      config: configPath,
    };
    return { parts, description };
  } catch (err) {
    await parts.stop();
    throw err;
  }
}

/** The local parts, or a CliError that says what to do when one cannot start (no Python venv, a port taken). */
async function startLocalParts(): Promise<LocalParts> {
  try {
    return await LocalParts.start({ moto: true, emulator: { orgs: [...ENV_NAMES] } });
  } catch (err) {
    const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [err];
    const known = errors.filter(
      (e) => e instanceof PythonVenvMissingError || e instanceof MotoStartError || e instanceof EmulatorStartError,
    );
    if (known.length === 0) throw err;
    throw new CliError(`the embedded default did not start: ${known.map((e) => (e as Error).message).join('; ')}`);
  }
}

/** `sfetl stack`: the embedded default until SIGINT/SIGTERM (DESIGN.md §2.4). */
export async function stackCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseCommandArgs('stack', argv, {
    dir: { type: 'string' },
    'sample-data': { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    out.write(`${messages.stackUsage}\n`);
    return 0;
  }
  const { parts, description } = await startStack(args.dir ?? join('.sfetl', 'stack'));
  let sampleData: string[] | undefined;
  try {
    if (args['sample-data']) sampleData = await putSampleData(description);
  } catch (err) {
    await parts.stop();
    throw err;
  }
  out.write(`${JSON.stringify(sampleData ? { ...description, sampleData } : description)}\n`);
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  await parts.stop();
  process.stderr.write(`${messages.stackStopped}\n`);
  return 0;
}

/** Sample source files: where `sfetl stack --sample-data` puts them (the configured sources' prefixes). */
export const SAMPLE_DATA = { seed: 1, accounts: 100, prefix: 'SAMPLE-' } as const;

/**
 * Puts the demo's first sample file of each object (Accounts, Contacts that reference them, Invoices;
 * about 1.5 % deliberate mistakes) under the configured sources, so `sfetl load` has something to load.
 * Returns the S3 URIs written.
 */
async function putSampleData(description: StackDescription): Promise<string[]> {
  const aws = createAwsClients({ region: description.aws.region, endpoint: description.aws.endpoint });
  const data = generateSampleData({ ...SAMPLE_DATA, env: 'sample' });
  const written: string[] = [];
  for (const file of data.files.filter((f) => f.run === 1)) {
    const key = `${file.object}/sample-${file.run}.csv`;
    await aws.s3.send(new PutObjectCommand({ Bucket: description.buckets.source, Key: key, Body: file.csv }));
    written.push(`s3://${description.buckets.source}/${key}`);
  }
  return written;
}
