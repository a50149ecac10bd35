import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from './config-error';
import { configMessages as m } from './config-messages';
import { parseConfig } from './parse-config';
import { SfetlConfig } from './sfetl-config';
import { jsonSyntaxError, yamlSyntaxError } from '../../packages/syntax-errors/src';

/** Parser warnings (an unknown tag) would print the line they are about: only errors, which are ours to word. */
const YAML_OPTIONS = { logLevel: 'error' } as const;

/** What loadConfig needs from outside; the caller wires the real clients. */
export interface LoadConfigDeps {
  /** Reads one S3 object as UTF-8 text; needed only for s3:// locations. @default none: s3:// is refused */
  readonly readS3Object?: (bucket: string, key: string) => Promise<string>;
  /** Environment variables, read for the default of aws.region. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads, parses and validates the configuration at a local path or an `s3://bucket/key` URI.
 * `.yaml`/`.yml` is read as YAML, `.json` as JSON; any other name is tried as JSON, then as YAML.
 *
 * @throws ConfigError when the file cannot be read or parsed, or has mistakes (all of them are listed)
 */
export async function loadConfig(location: string, deps: LoadConfigDeps = {}): Promise<SfetlConfig> {
  const text = location.startsWith('s3://') ? await readS3(location, deps) : await readLocal(location);
  return parseConfig(parseText(text, location), location, { env: deps.env });
}

async function readLocal(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? m.fileNotFound : code === 'EISDIR' ? m.isDirectory : m.fileUnreadable(errorText(err));
    throw new ConfigError(path, [{ path: '', message }]);
  }
}

async function readS3(uri: string, deps: LoadConfigDeps): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new ConfigError(uri, [{ path: '', message: m.s3ConfigUriWithoutKey }]);
  if (deps.readS3Object === undefined) throw new ConfigError(uri, [{ path: '', message: m.s3ReaderMissing }]);
  try {
    return await deps.readS3Object(match[1], match[2]);
  } catch (err) {
    throw new ConfigError(uri, [{ path: '', message: m.s3Unreadable(errorText(err)) }]);
  }
}

/** The document in the text, as YAML or JSON by the name's extension (both tried when it has neither). */
function parseText(text: string, location: string): unknown {
  // A UTF-8 byte order mark (editors on Windows add one) is not part of the document.
  const body = text.replace(/^\uFEFF/, '');
  const extension = /\.([A-Za-z]+)$/.exec(location.replace(/[?#].*$/, ''))?.[1]?.toLowerCase();
  if (extension === 'yaml' || extension === 'yml') return parseAsYaml(body, location);
  if (extension === 'json') return parseAsJson(body, location);
  try {
    return JSON.parse(body);
  } catch {
    try {
      return parseYaml(body, YAML_OPTIONS);
    } catch (yamlError) {
      throw new ConfigError(location, [
        { path: '', message: m.neitherJsonNorYaml(jsonSyntaxError(body), yamlSyntaxError(yamlError)) },
      ]);
    }
  }
}

function parseAsYaml(text: string, location: string): unknown {
  try {
    return parseYaml(text, YAML_OPTIONS);
  } catch (err) {
    const message =
      err instanceof YAMLParseError && err.code === 'MULTIPLE_DOCS'
        ? m.yamlMultipleDocuments
        : m.yamlError(yamlSyntaxError(err));
    throw new ConfigError(location, [{ path: '', message }]);
  }
}

function parseAsJson(text: string, location: string): unknown {
  // An empty file is the same mistake in either syntax (parseConfig says so), not a JSON syntax error.
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(location, [{ path: '', message: m.jsonError(jsonSyntaxError(text)) }]);
  }
}

/** A read error with its code, which says most (ENOENT, EACCES, NoSuchKey, AccessDenied). */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // AWS SDK errors carry the service's code as name (NoSuchKey, AccessDenied); Node's carry code.
  const code = (err as NodeJS.ErrnoException).code ?? (err.name !== 'Error' ? err.name : undefined);
  return code !== undefined && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
}
