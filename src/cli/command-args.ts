import { parseArgs, ParseArgsConfig } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError, loadConfig, SfetlConfig } from '../config';
import { readTextObject } from '../s3';
import { CliError } from './exit-codes';
import { messages } from './messages';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses one command's flags (no positionals unless asked); a wrong flag becomes a one-line CLI error. */
export function parseCommandArgs<O extends Options>(command: string, argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new CliError(messages.badOption((e as Error).message, command));
  }
}

/** Like {@link parseCommandArgs}, for a command that also takes positional arguments (e.g. the SQL of `logs query`). */
export function parseCommandLine<O extends Options>(command: string, argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new CliError(messages.badOption((e as Error).message, command));
  }
}

/** Reads the configuration from a path or an S3 URI; a mistake in it becomes the CLI error saying how to fix it. */
export async function readCommandConfig(location: string, env: NodeJS.ProcessEnv): Promise<SfetlConfig> {
  try {
    return await loadConfig(location, {
      readS3Object: (bucket, key) =>
        readTextObject(new S3Client({ region: env.AWS_REGION ?? 'us-east-1' }), bucket, key),
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${e.message}\n${messages.fixConfig(e.source)}`);
    throw e;
  }
}
