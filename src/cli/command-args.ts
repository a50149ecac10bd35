import { parseArgs, ParseArgsConfig } from 'node:util';
import { createAwsClients } from '../aws';
import { AwsConfig, ConfigError, loadConfig, redactUrl, SfetlConfig } from '../config';
import { readTextObject } from '../s3';
import { CliError } from './exit-codes';
import { messages } from './messages';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses one command's flags (no positionals unless asked); a wrong flag becomes a one-line CLI error. */
export function parseCommandArgs<O extends Options>(command: string, argv: readonly string[], options: O) {
  return parseCommand(command, argv, options, false).values;
}

/** Like {@link parseCommandArgs}, for a command that also takes positional arguments (e.g. the SQL of `logs query`). */
export function parseCommandLine<O extends Options>(command: string, argv: readonly string[], options: O) {
  return parseCommand(command, argv, options, true);
}

function parseCommand<O extends Options>(command: string, argv: readonly string[], options: O, positionals: boolean) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals, tokens: true });
  } catch (e) {
    throw new CliError(messages.badOption((e as Error).message, command));
  }
  // parseArgs keeps the last of two values of a flag: `--env dev … --env prod` would load prod.
  const given = new Map<string, string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || token.value === undefined || options[token.name]?.multiple) continue;
    const earlier = given.get(token.name);
    if (earlier !== undefined && earlier !== token.value) {
      throw new CliError(messages.optionTwice(token.rawName, earlier, token.value, command));
    }
    given.set(token.name, token.value);
  }
  const { tokens: _tokens, ...rest } = parsed;
  return rest;
}

/**
 * Where a configuration kept in S3 is read from. Its own `aws` section is unknown until it is read, so the
 * endpoint comes from the variables the AWS SDKs and CLI read for it: `AWS_ENDPOINT_URL_S3`, else
 * `AWS_ENDPOINT_URL` (moto's endpoint, for a configuration in the embedded default), else AWS itself; the
 * region as for `aws.region`: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1.
 */
export function configStoreAccess(env: NodeJS.ProcessEnv): AwsConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

/** Reads the configuration from a path or an S3 URI; a mistake in it becomes the CLI error saying how to fix it. */
export async function readCommandConfig(location: string, env: NodeJS.ProcessEnv): Promise<SfetlConfig> {
  try {
    return await loadConfig(location, {
      // Built like every other AWS client (path-style S3 and local credentials for an emulator on loopback).
      readS3Object: (bucket, key) =>
        readTextObject(createAwsClients({ ...configStoreAccess(env), env }).s3, bucket, key),
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${e.message}\n${messages.fixConfig(e.source)}`);
    throw e;
  }
}

/**
 * An AWS SDK call that failed in a way no part translated (a service's error, or no answer at all) as a
 * one-line CLI error naming the endpoint and region to check; undefined for any other error. The SDK marks
 * every error of a call with `$metadata`, network errors included, which have no class of their own (and
 * may come from another realm's Error, so no `instanceof Error` either).
 */
export function awsRequestError(e: unknown, aws: AwsConfig, doing?: string): CliError | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const {
    $metadata: metadata,
    message = '',
    name,
    code: errno,
  } = e as {
    $metadata?: { httpStatusCode?: number } | null;
    message?: string;
    name?: string;
    code?: string;
  };
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const code = errno ?? (name !== undefined && name !== 'Error' ? name : undefined);
  const status = metadata.httpStatusCode === undefined ? '' : `, HTTP ${metadata.httpStatusCode}`;
  // The SDK's message may name the endpoint as configured, user info and all.
  const text = redactUrl(code !== undefined && !message.includes(code) ? `${code}: ${message}` : message);
  return new CliError(
    messages.awsRequestFailed(oneLine(`${text}${status}`), endpointText(aws.endpoint), aws.region, doing),
  );
}

/** An endpoint as a message may show it: scheme, host and port only (no user info, path or query). */
function endpointText(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  try {
    return new URL(endpoint).origin;
  } catch {
    return 'the configured endpoint';
  }
}

/** A message on one line, cut to a length a log line can carry. */
export function oneLine(text: string, max = 400): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
