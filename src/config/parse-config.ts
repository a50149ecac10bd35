import { isS3BucketName } from './bucket-name';
import { closestMatch } from './closest-match';
import { ConfigError, ConfigProblem } from './config-error';
import { configMessages as m, printable, printableJson, shownUrl } from './config-messages';
import {
  AuthType,
  AwsConfig,
  CHANGED_FILE_POLICIES,
  DEFAULT_RETRY_ERROR_CODES,
  ENV_NAMES,
  EnvironmentConfig,
  EnvName,
  LoadLimits,
  LogsConfig,
  ObjectConfig,
  OPERATIONS,
  SfetlConfig,
} from './sfetl-config';

export interface ParseConfigOptions {
  /** Environment variables, read for the default of aws.region. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const TOP_KEYS = ['environments', 'objects', 'logs', 'limits', 'retryErrorCodes', 'aws'] as const;
const ENV_KEYS = ['instanceUrl', 'orgId', 'loginUrl', 'apiVersion', 'auth', 'protected'] as const;
const AUTH_KEYS = ['type', 'secretId'] as const;
const AUTH_TYPES: readonly AuthType[] = ['client_credentials', 'jwt'];
const OBJECT_KEYS = [
  'name',
  'source',
  'operation',
  'externalIdField',
  'loadOrder',
  'columnMapping',
  'onChangedFile',
] as const;
const LOGS_KEYS = ['bucket', 'prefix', 'glueDatabase', 'statePrefix'] as const;
const AWS_KEYS = ['region', 'endpoint'] as const;

interface LimitRule {
  readonly default: number;
  readonly integer: boolean;
  readonly min: number;
  readonly max?: number;
  /** A message for an out-of-range value that explains the range. @default a plain "use <min> to <max>" */
  readonly outOfRange?: (value: number) => string;
}

/**
 * The smallest job size: every job repeats the header line, so a few bytes (limits.maxJobBytes: 10) left
 * room for no row and rejected every row. 1,000 bytes hold a header and a row of a small object; a wider
 * header still fails each row with a message saying the header takes the room (csv-messages.ts).
 */
const MIN_JOB_BYTES = 1000;

/** Why each bound: Salesforce's own limits (maxJobBytes), or what keeps a run sane (concurrency). */
const LIMIT_RULES: { readonly [K in keyof LoadLimits]: LimitRule } = {
  failureRateThreshold: { default: 0.05, integer: false, min: 0, max: 1, outOfRange: m.failureRate },
  concurrency: { default: 4, integer: true, min: 1, max: 25 },
  maxJobBytes: {
    default: 100_000_000,
    integer: true,
    min: MIN_JOB_BYTES,
    max: 100_000_000,
    outOfRange: m.maxJobBytes,
  },
  maxJobRows: { default: 10_000_000, integer: true, min: 1 },
  pollIntervalMs: { default: 1000, integer: true, min: 1 },
  pollMaxIntervalMs: { default: 30_000, integer: true, min: 1 },
  jobTimeoutMinutes: { default: 240, integer: true, min: 1 },
  maxRecordAttempts: { default: 3, integer: true, min: 1, max: 10 },
  httpAttempts: { default: 6, integer: true, min: 1, max: 20 },
  leaseSeconds: { default: 300, integer: true, min: 1, max: 86_400 },
};
const LIMIT_KEYS = Object.keys(LIMIT_RULES) as (keyof LoadLimits)[];

/** sObject and field API names: a letter, then letters, digits and underscores (Invoice__c, ns__Ext_Id__c). */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/**
 * The longest sObject API name accepted: Salesforce's names have at most 40 characters, plus a namespace
 * (15 and "__") and a suffix (__c, __ChangeEvent). The name goes into S3 keys and Glue table names.
 */
const MAX_OBJECT_NAME_CHARS = 80;
/**
 * A field (Email) or a relationship by external id (Account.Ext_Id__c). The polymorphic form
 * (Lead:Who.Email__c) is well-formed here, so that preflight can say it is not supported.
 */
const FIELD_REFERENCE = /^(?:[A-Za-z][A-Za-z0-9_]*:)?[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?$/;
const API_VERSION = /^(\d{2,3})\.0$/;
/**
 * An org id: key prefix 00D, then 12 characters (the 15-character, case-sensitive id), optionally the 3
 * characters of the case-insensitive 18-character form (Salesforce Help: "Find Your Salesforce
 * Organization ID"; the 18-character id is the 15-character one plus a case-safe suffix).
 */
const ORG_ID = /^00D[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$/;
/** Bulk API 2.0 ingest exists from API version 41.0. */
const MIN_API_VERSION = 41;
const GLUE_DATABASE = /^[a-z0-9_]{1,255}$/;
const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
/** Keys that suggest someone pasted credentials into the file; those belong in Secrets Manager. */
const CREDENTIAL_KEY = /secret|passw|private.?key|token|client.?id|username|credential|certificate/i;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Mapping = Readonly<Record<string, unknown>>;

/** A mapping of the document with its path, and the known keys that were misspelled in it. */
interface Node {
  readonly value: Mapping;
  readonly path: string;
  /** Known keys an unknown key was taken for: their "missing" problem would only repeat the typo. */
  readonly misspelled: ReadonlySet<string>;
}

/**
 * Validates a parsed configuration document (YAML or JSON, see docs/configuration.md) and fills in the
 * defaults. Collects every mistake before it throws.
 *
 * @param raw the parsed document
 * @param source where it came from (path or s3:// URI), to prefix each problem with
 * @throws ConfigError with one problem per mistake, each with its path and what to do
 */
export function parseConfig(raw: unknown, source: string, options: ParseConfigOptions = {}): SfetlConfig {
  const checker = new Checker();
  const config = readConfig(checker, raw, options.env ?? process.env);
  if (checker.problems.length > 0 || config === undefined) {
    throw new ConfigError(source, checker.problems);
  }
  return config;
}

function readConfig(
  c: Checker,
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
): SfetlConfig | undefined {
  if (raw === null || raw === undefined) {
    c.report('', m.emptyDocument);
    return undefined;
  }
  if (!isMapping(raw)) {
    c.report('', m.notADocument(describe(raw)));
    return undefined;
  }
  const root = c.mapping(raw, '', TOP_KEYS, 'a mapping');
  if (root === undefined) return undefined;
  const environments = c.required(root, 'environments', '{ dev: {…}, qa: {…}, uat: {…}, prod: {…} }')
    ? readEnvironments(c, root.value.environments)
    : undefined;
  const objects = c.required(
    root,
    'objects',
    '[{ name: Account, source: s3://my-bucket/accounts/, operation: insert }]',
  )
    ? readObjects(c, root.value.objects)
    : undefined;
  const logs = c.required(root, 'logs', '{ bucket: my-log-bucket }') ? readLogs(c, root.value.logs) : undefined;
  const limits = readLimits(c, root.value.limits);
  const retryErrorCodes = readRetryErrorCodes(c, root.value.retryErrorCodes);
  const aws = readAws(c, root.value.aws, env);
  if (!environments || !objects || !logs || !limits || !retryErrorCodes || !aws) return undefined;
  return { environments, objects, logs, limits, retryErrorCodes, aws };
}

function readEnvironments(c: Checker, value: unknown): Record<EnvName, EnvironmentConfig> | undefined {
  const before = c.problems.length;
  const node = c.mapping(value, 'environments', undefined, 'a mapping of dev, qa, uat and prod to their settings');
  if (node === undefined) return undefined;
  const result: Partial<Record<EnvName, EnvironmentConfig>> = {};
  const misspelled = new Set<string>();
  for (const [name, settings] of Object.entries(node.value)) {
    const path = at('environments', name);
    if (isEnvName(name)) {
      result[name] = readEnvironment(c, settings, name, path);
      continue;
    }
    const suggestion = closestMatch(name, ENV_NAMES);
    if (suggestion !== undefined) misspelled.add(suggestion);
    c.report(path, m.notOneOf(name, 'an environment', suggestion, ENV_NAMES));
  }
  for (const name of ENV_NAMES) {
    if (node.value[name] === undefined && !misspelled.has(name)) {
      c.report(at('environments', name), m.missingEnvironment(name));
    }
  }
  return c.problems.length > before ? undefined : (result as Record<EnvName, EnvironmentConfig>);
}

function readEnvironment(c: Checker, value: unknown, name: EnvName, path: string): EnvironmentConfig | undefined {
  const before = c.problems.length;
  const node = c.mapping(value, path, ENV_KEYS, 'a mapping with instanceUrl, loginUrl, apiVersion and auth');
  if (node === undefined) return undefined;
  const instanceUrl = readHttpUrl(c, node, 'instanceUrl', 'https://acme.my.salesforce.com', m.notHttpUrl);
  const orgId = c.string(node, 'orgId');
  if (orgId !== undefined && !ORG_ID.test(orgId)) c.report(at(path, 'orgId'), m.badOrgId(orgId));
  const loginUrl = readHttpUrl(c, node, 'loginUrl', 'https://login.salesforce.com', m.notHttpUrl);
  const apiVersion = readApiVersion(c, node);
  const auth = c.required(node, 'auth', `{ type: client_credentials, secretId: sfetl/${name} }`)
    ? readAuth(c, node.value.auth, at(path, 'auth'), name)
    : undefined;
  const isProtected = c.boolean(node, 'protected') ?? name === 'prod';
  if (c.problems.length > before || !instanceUrl || !loginUrl || !apiVersion || !auth) return undefined;
  return {
    name,
    instanceUrl,
    ...(orgId === undefined ? {} : { orgId }),
    loginUrl,
    apiVersion,
    auth,
    protected: isProtected,
  };
}

function readApiVersion(c: Checker, node: Node): string | undefined {
  const value = node.value.apiVersion;
  if (typeof value === 'number') {
    c.report(at(node.path, 'apiVersion'), m.apiVersionNumber(value));
    return undefined;
  }
  const version = c.string(node, 'apiVersion', '"66.0"');
  if (version === undefined) return undefined;
  const match = API_VERSION.exec(version);
  if (!match) {
    c.report(at(node.path, 'apiVersion'), m.apiVersionFormat(version));
    return undefined;
  }
  if (Number(match[1]) < MIN_API_VERSION) {
    c.report(at(node.path, 'apiVersion'), m.apiVersionTooOld(version));
    return undefined;
  }
  return version;
}

function readAuth(c: Checker, value: unknown, path: string, env: EnvName): EnvironmentConfig['auth'] | undefined {
  const node = c.mapping(value, path, AUTH_KEYS, 'a mapping with type and secretId');
  if (node === undefined) return undefined;
  const type = c.oneOf(node, 'type', AUTH_TYPES, 'an auth type', 'client_credentials');
  const secretId = c.string(node, 'secretId', `sfetl/${env}`);
  return type === undefined || secretId === undefined ? undefined : { type, secretId };
}

function readObjects(c: Checker, value: unknown): ObjectConfig[] | undefined {
  if (!Array.isArray(value)) {
    c.report('objects', m.wrongType('a list of objects', describe(value)));
    return undefined;
  }
  if (value.length === 0) {
    c.report('objects', m.noObjects);
    return undefined;
  }
  const firstPathByName = new Map<string, string>();
  const objects = value.map((item, i) => readObject(c, item, `objects[${i}]`, firstPathByName));
  if (objects.some((o) => o === undefined)) return undefined;
  // Array.prototype.sort is stable: equal load orders keep the file's order.
  return (objects as ObjectConfig[]).sort((a, b) => a.loadOrder - b.loadOrder);
}

function readObject(
  c: Checker,
  value: unknown,
  path: string,
  firstPathByName: Map<string, string>,
): ObjectConfig | undefined {
  const before = c.problems.length;
  const node = c.mapping(value, path, OBJECT_KEYS, 'a mapping with name, source and operation');
  if (node === undefined) return undefined;

  const name = c.string(node, 'name', 'Contact');
  if (name !== undefined) {
    // Salesforce API names are case-insensitive: Account and account are one object.
    const first = firstPathByName.get(name.toLowerCase());
    if (!API_NAME.test(name)) c.report(at(path, 'name'), m.notApiName(name));
    else if (name.length > MAX_OBJECT_NAME_CHARS) c.report(at(path, 'name'), m.objectNameTooLong(name.length));
    else if (first !== undefined) c.report(at(path, 'name'), m.duplicateObject(name, first));
    else firstPathByName.set(name.toLowerCase(), at(path, 'name'));
  }

  const source = c.string(node, 'source', 's3://my-bucket/contacts/');
  const sourceProblem = source === undefined ? undefined : s3UriProblem(source);
  if (sourceProblem !== undefined) c.report(at(path, 'source'), sourceProblem);

  const operation = c.oneOf(node, 'operation', OPERATIONS, 'an operation', 'insert');

  const externalIdField = c.string(node, 'externalIdField');
  if (externalIdField !== undefined) {
    if (!API_NAME.test(externalIdField)) {
      c.report(at(path, 'externalIdField'), m.notApiName(externalIdField));
    } else if (operation !== undefined && operation !== 'upsert') {
      c.report(at(path, 'externalIdField'), m.externalIdWithoutUpsert(operation));
    }
  } else if (operation === 'upsert' && node.value.externalIdField === undefined) {
    c.required(node, 'externalIdField', 'Ext_Id__c', m.upsertWithoutExternalId);
  }

  const loadOrder = c.number(node, 'loadOrder', { integer: true }) ?? 100;
  const onChangedFile =
    node.value.onChangedFile === undefined
      ? undefined
      : c.oneOf(node, 'onChangedFile', CHANGED_FILE_POLICIES, 'a changed-file policy', 'skip-loaded-rows');
  const columnMapping = readColumnMapping(c, node.value.columnMapping, at(path, 'columnMapping'));

  if (c.problems.length > before || !name || !source || !operation || !columnMapping) return undefined;
  return {
    name,
    source,
    operation,
    ...(externalIdField ? { externalIdField } : {}),
    loadOrder,
    columnMapping,
    ...(onChangedFile ? { onChangedFile } : {}),
  };
}

function readColumnMapping(c: Checker, value: unknown, path: string): Record<string, string> | undefined {
  // An optional section left empty in YAML (every entry commented out) reads as null: nothing is set.
  if (value === undefined || value === null) return {};
  const before = c.problems.length;
  const node = c.mapping(value, path, undefined, 'a mapping of source columns to field API names');
  if (node === undefined) return undefined;
  const entries: [string, string][] = [];
  const columnByField = new Map<string, string>();
  for (const column of Object.keys(node.value)) {
    if (column.trim() === '') {
      c.report(at(path, column), m.emptyColumnName);
      continue;
    }
    const field = c.string(node, column, 'Email');
    if (field === undefined) continue;
    // Field API names are case-insensitive in Salesforce: Email and email are one field.
    const first = columnByField.get(field.toLowerCase());
    if (!FIELD_REFERENCE.test(field)) c.report(at(path, column), m.notFieldReference(field));
    else if (first !== undefined) c.report(at(path, column), m.fieldMappedTwice(field, first));
    else columnByField.set(field.toLowerCase(), column);
    entries.push([column, field]);
  }
  // fromEntries defines each column as an own key: assigning `result["__proto__"] = field` would set the
  // object's prototype instead and lose the mapping.
  return c.problems.length > before ? undefined : Object.fromEntries(entries);
}

function readLogs(c: Checker, value: unknown): LogsConfig | undefined {
  const before = c.problems.length;
  const node = c.mapping(
    value,
    'logs',
    LOGS_KEYS,
    'a mapping with bucket (and optionally prefix, glueDatabase, statePrefix)',
  );
  if (node === undefined) return undefined;

  const bucket = c.string(node, 'bucket', 'my-log-bucket');
  if (bucket !== undefined && !isS3BucketName(bucket)) {
    c.report('logs.bucket', bucket.startsWith('s3://') ? m.bucketNotUri(bucket) : m.badBucketName(bucket));
  }

  const prefix = c.string(node, 'prefix') ?? '';
  const prefixValid = prefix === '' || (prefix.endsWith('/') && !prefix.startsWith('/'));
  if (!prefixValid) c.report('logs.prefix', m.badPrefix(prefix));

  const glueDatabase = c.string(node, 'glueDatabase') ?? 'sfetl_logs';
  if (!GLUE_DATABASE.test(glueDatabase)) c.report('logs.glueDatabase', m.badGlueDatabase(glueDatabase));

  const statePrefix = c.string(node, 'statePrefix') ?? '_sfetl/';
  if (statePrefix === '' || !statePrefix.endsWith('/') || statePrefix.startsWith('/')) {
    c.report('logs.statePrefix', m.badStatePrefix(statePrefix));
  } else if (prefixValid) {
    // The log trees hold log rows only (DESIGN.md §2.1): state must sit neither inside them nor around them.
    const trees = [`${prefix}success/`, `${prefix}failure/`];
    const inside = trees.find((tree) => statePrefix.startsWith(tree));
    if (inside !== undefined) {
      c.report('logs.statePrefix', m.stateInsideLogs(statePrefix, inside));
    } else if (trees.some((tree) => tree.startsWith(statePrefix))) {
      c.report('logs.statePrefix', m.stateAroundLogs(statePrefix, trees.map((t) => `"${t}"`).join(' and ')));
    }
  }

  if (c.problems.length > before || bucket === undefined) return undefined;
  return { bucket, prefix, glueDatabase, statePrefix };
}

function readLimits(c: Checker, value: unknown): LoadLimits | undefined {
  const before = c.problems.length;
  const absent = value === undefined || value === null;
  const node = absent ? undefined : c.mapping(value, 'limits', LIMIT_KEYS, 'a mapping of limits');
  if (!absent && node === undefined) return undefined;
  const limits = {} as Record<keyof LoadLimits, number>;
  for (const key of LIMIT_KEYS) {
    const rule = LIMIT_RULES[key];
    limits[key] = (node && c.number(node, key, rule)) ?? rule.default;
  }
  if (node !== undefined && c.problems.length === before && limits.pollMaxIntervalMs < limits.pollIntervalMs) {
    // Reported at the key the file sets, so the fix lands where the user looks.
    const which = node.value.pollMaxIntervalMs === undefined ? 'pollIntervalMs' : 'pollMaxIntervalMs';
    c.report(at('limits', which), m.pollMaxBelowInterval(limits.pollMaxIntervalMs, limits.pollIntervalMs, which));
  }
  return c.problems.length > before ? undefined : limits;
}

function readRetryErrorCodes(c: Checker, value: unknown): readonly string[] | undefined {
  if (value === undefined || value === null) return DEFAULT_RETRY_ERROR_CODES;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^[A-Z][A-Z0-9_]*$/.test(v))) {
    c.report('retryErrorCodes', m.retryErrorCodes);
    return undefined;
  }
  return [...new Set([...DEFAULT_RETRY_ERROR_CODES, ...(value as string[])])];
}

function readAws(c: Checker, value: unknown, env: Readonly<Record<string, string | undefined>>): AwsConfig | undefined {
  // AWS_DEFAULT_REGION too: Glue and the AWS CLI set that one, the JavaScript SDK reads only AWS_REGION.
  const defaultRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  if (value === undefined || value === null) return { region: defaultRegion };
  const before = c.problems.length;
  const node = c.mapping(value, 'aws', AWS_KEYS, 'a mapping with region and endpoint');
  if (node === undefined) return undefined;
  const region = c.string(node, 'region');
  if (region !== undefined && !AWS_REGION.test(region)) c.report('aws.region', m.badRegion(region));
  const endpoint = readHttpUrl(c, node, 'endpoint', undefined, m.badEndpoint, m.credentialsForAws);
  if (c.problems.length > before) return undefined;
  return { region: region ?? defaultRegion, ...(endpoint === undefined ? {} : { endpoint }) };
}

/**
 * An http(s) URL without its trailing slashes, so that `${url}/services/…` never doubles one. A URL with a
 * user name or password is refused: it would be repeated in messages and manifests, and the credentials
 * have their own place (`credentialsAdvice` says where; an environment's go in its secret).
 */
function readHttpUrl(
  c: Checker,
  node: Node,
  key: string,
  example: string | undefined,
  message: (value: string) => string,
  credentialsAdvice: string = m.credentialsInSecret,
): string | undefined {
  const value = c.string(node, key, example);
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    c.report(at(node.path, key), message(shownUrl(value)));
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    // Shown from the parsed URL: the value as written may hide its user info in forms the parser accepts.
    c.report(
      at(node.path, key),
      m.urlWithCredentials(printable(`${url.protocol}//***@${url.host}`), credentialsAdvice),
    );
    return undefined;
  }
  return value.replace(/\/+$/, '');
}

/**
 * The problem with an object's source URI, or undefined when it is a usable s3://bucket/key-or-prefix. The
 * one rule for `objects[].source` and for `sfetl load --source`, which replaces it.
 */
export function s3UriProblem(value: string): string | undefined {
  const match = /^s3:\/\/([^/]*)(\/.*)?$/.exec(value);
  if (!match) return m.notS3Uri(value);
  const [, bucket, key] = match;
  const userInfoEnd = bucket.lastIndexOf('@');
  if (userInfoEnd >= 0) {
    return m.urlWithCredentials(printable(`s3://***@${bucket.slice(userInfoEnd + 1)}`), m.credentialsForS3);
  }
  if (!isS3BucketName(bucket)) return m.badBucketName(bucket);
  if (key === undefined) return m.s3UriWithoutKey(value);
  if (/[*?]/.test(key)) return m.s3Wildcard(value);
  return undefined;
}

/** Collects problems and reads typed values out of the document's mappings. */
class Checker {
  readonly problems: ConfigProblem[] = [];

  report(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** The value as a mapping, its keys checked against the known ones (undefined: any key is fine). */
  mapping(value: unknown, path: string, known: readonly string[] | undefined, expected: string): Node | undefined {
    if (!isMapping(value)) {
      this.report(path, m.wrongType(expected, describe(value)));
      return undefined;
    }
    const misspelled = new Set<string>();
    for (const key of Object.keys(value)) {
      if (known === undefined || known.includes(key)) continue;
      const suggestion = closestMatch(key, known);
      if (suggestion !== undefined) misspelled.add(suggestion);
      const credential = suggestion === undefined && CREDENTIAL_KEY.test(key);
      this.report(at(path, key), credential ? m.credentialInConfig(key) : m.unknownKey(key, suggestion, known));
    }
    return { value, path, misspelled };
  }

  /**
   * Whether a required key is present; when not, reports it missing with an example of the value, or with
   * the given message, unless an unknown key was already reported as its misspelling.
   */
  required(node: Node, key: string, example: string, message?: string): boolean {
    if (node.value[key] !== undefined) return true;
    if (!node.misspelled.has(key)) this.report(at(node.path, key), message ?? m.missing(key, example));
    return false;
  }

  /**
   * A string value. With an example the key is required and must not be empty; without one, an absent key
   * gives undefined and "" is a value.
   */
  string(node: Node, key: string, example?: string): string | undefined {
    const value = node.value[key];
    const path = at(node.path, key);
    if (value === undefined) {
      if (example !== undefined) this.required(node, key, example);
      return undefined;
    }
    if (value === null || (value === '' && example !== undefined)) {
      this.report(path, example === undefined ? m.emptyOptional : m.empty(key, example));
      return undefined;
    }
    if (typeof value !== 'string') {
      this.report(path, m.wrongType('a string', describe(value)));
      return undefined;
    }
    return value;
  }

  /** A required string that must be one of the allowed values; a near miss gets "did you mean". */
  oneOf<T extends string>(
    node: Node,
    key: string,
    allowed: readonly T[],
    what: string,
    example: string,
  ): T | undefined {
    const value = this.string(node, key, example);
    if (value === undefined) return undefined;
    const found = allowed.find((a) => a === value);
    if (found === undefined) {
      this.report(at(node.path, key), m.notOneOf(value, what, closestMatch(value, allowed), allowed));
    }
    return found;
  }

  /** An optional number within the rule's bounds; undefined when absent or wrong. */
  number(node: Node, key: string, rule: Partial<LimitRule>): number | undefined {
    const value = node.value[key];
    const path = at(node.path, key);
    if (value === undefined) return undefined;
    if (value === null) {
      this.report(path, m.emptyOptional);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.report(path, m.wrongType(rule.integer ? 'a whole number' : 'a number', describe(value)));
      return undefined;
    }
    if (rule.integer && !Number.isInteger(value)) {
      this.report(path, m.notWholeNumber(value));
      return undefined;
    }
    if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
      const range = rule.max === undefined ? `${rule.min} or more` : `${rule.min} to ${rule.max}`;
      this.report(path, rule.outOfRange?.(value) ?? m.outOfRange(value, range));
      return undefined;
    }
    return value;
  }

  /** An optional true/false; undefined when absent or wrong. */
  boolean(node: Node, key: string): boolean | undefined {
    const value = node.value[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.report(at(node.path, key), m.wrongType('true or false', describe(value)));
      return undefined;
    }
    return value;
  }
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEnvName(name: string): name is EnvName {
  return (ENV_NAMES as readonly string[]).includes(name);
}

/** `parent.key`, or `parent["odd key"]` for keys that are not plain identifiers (CSV column names). */
function at(parent: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${parent}[${printableJson(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** What a wrong value is, for "must be X, not Y"; long strings are cut so that a message stays one line. */
function describe(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${printableJson(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}
