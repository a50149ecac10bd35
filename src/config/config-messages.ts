import { OrgMismatchErrorProps, ProtectedOrgErrorProps } from './org-check-findings';
import { redactUrl } from './redaction';

/** Longest value a message repeats in full; a longer one is cut and its length given. */
const MAX_SHOWN_CHARS = 80;

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the invisible marks that reorder or
 * hide text (bidi controls, BOM): repeated as they are, they would break a one-line message or act on
 * the operator's terminal.
 */
function unprintable(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/** `\uXXXX`, the form in which a message shows an unprintable character (and JSON escapes one). */
function escaped(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text on its way to a terminal or a log line, made safe: control and invisible characters written as
 * `\uXXXX`, except the line feeds that end the lines of a multi-line message when `keepLineFeeds`. Never
 * cut (see {@link printable} for a value repeated inside a message).
 */
export function escapeUnprintable(text: string, keepLineFeeds = false): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    out += unprintable(code) && !(keepLineFeeds && code === 0x0a) ? escaped(code) : c;
  }
  return out;
}

/**
 * A value someone typed (a flag, a name in the file), made safe to repeat in a one-line message: control
 * and invisible characters written as `\uXXXX`, a long value cut, with its length.
 */
export function printable(value: string): string {
  const chars = [...value];
  const shown = escapeUnprintable(chars.slice(0, MAX_SHOWN_CHARS).join(''));
  return chars.length <= MAX_SHOWN_CHARS ? shown : `${shown}… (${chars.length.toLocaleString('en-US')} characters)`;
}

/**
 * One line of JSON. JSON.stringify escapes the C0 controls but leaves DEL, the C1 controls (U+009B is a
 * terminal's CSI), U+2028/U+2029 and the bidi marks as they are; here they are `\uXXXX` too, which is the
 * same JSON, so a JSON line read on a terminal cannot act on it.
 */
export function printableJson(value: unknown): string {
  return escapeUnprintable(JSON.stringify(value) ?? 'null');
}

/** A URL-valued setting as a message repeats it: its user info redacted, then made printable. */
export function shownUrl(value: string): string {
  return printable(redactUrl(value));
}

/** Every message the configuration part shows a person, in one place; each says what to do next. */
export const configMessages = {
  retryErrorCodes:
    'must be a list of Salesforce record error codes such as [UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE]; UNABLE_TO_LOCK_ROW is always retried',
  // --- a value of the wrong kind -------------------------------------------------------------------------
  wrongType: (expected: string, found: string) => `must be ${expected}, not ${found}`,
  missing: (key: string, example: string) => `missing; add ${key}: ${example}`,
  empty: (key: string, example: string) => `is empty; set ${key}: ${example}`,
  emptyOptional: 'is empty; give a value, or remove the key to use the default',
  emptyDocument: 'the file is empty; see docs/configuration.md for a complete example',
  notADocument: (found: string) =>
    `the file must hold a mapping with environments, objects and logs, not ${found}; see docs/configuration.md`,
  unknownKey: (key: string, suggestion: string | undefined, known: readonly string[]) =>
    suggestion === undefined
      ? `unknown key "${printable(key)}"; remove it (keys here: ${known.join(', ')})`
      : `unknown key "${printable(key)}"; did you mean "${suggestion}"? (keys here: ${known.join(', ')})`,
  credentialInConfig: (key: string) =>
    `"${printable(key)}" looks like a credential, which never goes in this file; put it in the Secrets Manager secret named by auth.secretId (see docs/configuration.md)`,
  urlWithCredentials: (shown: string, where: string) =>
    `must not contain a user name or password (found \`${shown}\`); ${where}`,
  credentialsInSecret: "put credentials in the env's secret (auth.secretId)",
  credentialsForAws:
    'AWS credentials come from this role, or from the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables on a laptop',
  credentialsForS3: 'S3 reads with the AWS credentials of this role; give s3://<bucket>/<prefix>/',
  notOneOf: (value: string, what: string, suggestion: string | undefined, allowed: readonly string[]) =>
    suggestion === undefined
      ? `"${printable(value)}" is not ${what}; use one of ${allowed.join(', ')}`
      : `"${printable(value)}" is not ${what}; did you mean "${suggestion}"? (${allowed.join(', ')})`,

  // --- environments --------------------------------------------------------------------------------------
  missingEnvironment: (env: string) =>
    `missing; every configuration defines dev, qa, uat and prod: add ${env}: { instanceUrl, loginUrl, apiVersion, auth }`,
  notHttpUrl: (value: string) => `"${value}" is not an http(s) URL; use e.g. https://acme.my.salesforce.com`,
  badOrgId: (value: string) =>
    `"${printable(value)}" is not an org id; use the org's 15- or 18-character id that starts with 00D (Setup → Company Information → Salesforce.com Organization ID), e.g. 00D5g000004XyZaEAK`,
  apiVersionNumber: (value: number) =>
    `must be a string like "66.0", not the number ${value}; quote it: apiVersion: "${Number.isInteger(value) ? value.toFixed(1) : String(value)}"`,
  apiVersionFormat: (value: string) => `"${printable(value)}" is not an API version; use the form "66.0"`,
  apiVersionTooOld: (value: string) =>
    `"${printable(value)}" is too old for Bulk API 2.0, which needs "41.0" or later; use e.g. "66.0"`,

  // --- objects -------------------------------------------------------------------------------------------
  noObjects:
    'is empty; list at least one object, e.g. - { name: Account, source: s3://my-bucket/accounts/, operation: insert }',
  notApiName: (value: string) =>
    `"${printable(value)}" is not an API name; use the name as Salesforce spells it, e.g. Contact, Invoice__c or Ext_Id__c`,
  objectNameTooLong: (length: number) =>
    `is ${length.toLocaleString('en-US')} characters long, more than any sObject API name (at most 80, namespace and suffix included); use the name as Salesforce spells it`,
  duplicateObject: (name: string, firstPath: string) =>
    `"${name}" is already listed at ${firstPath}; list each object once (one source prefix can hold many files)`,
  notS3Uri: (value: string) =>
    `"${shownUrl(value)}" is not an S3 URI; use s3://<bucket>/<prefix>/ (every .csv under it) or s3://<bucket>/<key>.csv`,
  s3UriWithoutKey: (value: string) =>
    `"${shownUrl(value)}" names no prefix or key; add "/" to load every .csv in the bucket (${shownUrl(value)}/) or name a key`,
  bucketNotUri: (value: string) => `"${shownUrl(value)}" is a URI; give the bucket name only, e.g. my-log-bucket`,
  badBucketName: (bucket: string) =>
    `"${printable(bucket)}" is not a valid S3 bucket name; use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (the S3 bucket naming rules)`,
  s3Wildcard: (value: string) =>
    `"${shownUrl(value)}" contains a wildcard, which S3 does not expand; give the prefix, ending with "/", and every .csv under it loads`,
  upsertWithoutExternalId: 'missing; upsert matches records by an external id: add externalIdField: Ext_Id__c (or Id)',
  externalIdWithoutUpsert: (operation: string) =>
    `only upsert uses an external id field, ${operation} does not; remove externalIdField or change operation to upsert`,
  notFieldReference: (value: string) =>
    `"${printable(value)}" is not a field API name; map to a field (Email), or a relationship by external id (Account.Ext_Id__c)`,
  emptyColumnName: 'a source column name is empty; name the column as in the CSV header',
  fieldMappedTwice: (field: string, firstColumn: string) =>
    `"${printable(field)}" is already mapped from column "${printable(firstColumn)}"; map each field from one column only`,

  // --- logs ----------------------------------------------------------------------------------------------
  badPrefix: (value: string) =>
    `"${printable(value)}" must be "" or end with "/" and not start with "/", e.g. "sfetl/"`,
  badStatePrefix: (value: string) => `"${printable(value)}" must end with "/" and not start with "/", e.g. "_sfetl/"`,
  stateInsideLogs: (value: string, tree: string) =>
    `"${printable(value)}" is inside the log tree "${printable(tree)}", where only log rows may live; use a prefix of its own, e.g. "_sfetl/"`,
  stateAroundLogs: (value: string, trees: string) =>
    `"${printable(value)}" contains the log trees ${escapeUnprintable(trees)}; use a prefix of its own, e.g. "_sfetl/"`,
  badGlueDatabase: (value: string) =>
    `"${printable(value)}" is not a database name Athena can query; use lowercase letters, digits and underscores, e.g. sfetl_logs`,

  // --- limits --------------------------------------------------------------------------------------------
  outOfRange: (value: number, range: string) => `${value} is out of range; use ${range}`,
  notWholeNumber: (value: number) => `${value} is not a whole number; use an integer`,
  failureRate: (value: number) => `${value} is out of range; use a fraction from 0 to 1 (0.05 stops at 5% failed rows)`,
  maxJobBytes: (value: number) =>
    `${value} is out of range; use 1000 to 100000000 (a job holds the header line and at least one row; Salesforce accepts at most 100 MB of CSV per ingest job)`,
  pollMaxBelowInterval: (max: number, interval: number, which: 'pollIntervalMs' | 'pollMaxIntervalMs') =>
    which === 'pollMaxIntervalMs'
      ? `${max} is below pollIntervalMs (${interval}); make it at least pollIntervalMs`
      : `${interval} is above pollMaxIntervalMs (${max}); lower it or raise pollMaxIntervalMs`,

  // --- aws -----------------------------------------------------------------------------------------------
  badRegion: (value: string) => `"${printable(value)}" is not an AWS region; use e.g. us-east-1`,
  badEndpoint: (value: string) =>
    `"${value}" is not an http(s) URL; use e.g. http://127.0.0.1:5000 for moto, or remove it in AWS`,

  // --- reading the file ----------------------------------------------------------------------------------
  fileNotFound: 'file not found; check the path given to --config',
  fileUnreadable: (reason: string) => `cannot read the file (${reason}); check the path and its permissions`,
  isDirectory: 'is a directory; give the path of the configuration file',
  s3ReaderMissing: 'cannot read a configuration from S3 here: no S3 reader was given; pass a local path to --config',
  s3ConfigUriWithoutKey:
    'names no object; give the key of the configuration file, e.g. s3://my-bucket/sfetl/config.yaml',
  s3Unreadable: (reason: string) =>
    `cannot read the object (${reason}); check the bucket and key, and that this role may s3:GetObject it`,
  yamlError: (detail: string) => `not valid YAML: ${detail}`,
  yamlMultipleDocuments: 'holds several YAML documents (separated by ---); keep one',
  jsonError: (detail: string) => `not valid JSON: ${detail}`,
  neitherJsonNorYaml: (json: string, yaml: string) =>
    `neither valid JSON (${json}) nor valid YAML (${yaml}); fix the syntax, and name the file .json, .yaml or .yml`,

  // --- choosing an environment and objects ---------------------------------------------------------------
  envMissing: (envs: readonly string[]) => `no environment chosen; run again with --env <${envs.join('|')}>`,
  envUnknown: (value: string, suggestion: string | undefined, envs: readonly string[]) =>
    suggestion === undefined
      ? `unknown environment "${printable(value)}"; run again with --env <${envs.join('|')}>`
      : `unknown environment "${printable(value)}"; did you mean --env ${suggestion}? (${envs.join(', ')})`,
  envProtected: (env: string) => `${env} is protected: run again with --confirm-env ${env}`,
  envProtectedMismatch: (env: string, confirmEnv: string) =>
    `--confirm-env ${printable(confirmEnv)} does not match --env ${env}; ${env} is protected: run again with --confirm-env ${env}`,
  envConfirmMismatch: (env: string, confirmEnv: string) =>
    `--confirm-env ${printable(confirmEnv)} does not match --env ${env}; run again with --confirm-env ${env}, or without --confirm-env`,
  protectedOrg: ({ env, confirmEnv, protectedEnv: p, evidence }: ProtectedOrgErrorProps) => {
    const given = confirmEnv === undefined ? '' : `--confirm-env ${printable(confirmEnv)} does not confirm it: `;
    if (evidence.found === 'configured') {
      return `${given}${env} is configured with the org of ${p} (the same ${evidence.by} ${evidence.value}), and ${p} is protected: run again with --confirm-env ${p}`;
    }
    const org = `${printable(evidence.instanceUrl)}, org ${evidence.orgId ?? 'unknown'}`;
    return (
      `${given}the credentials of ${env} (secret ${evidence.secret}) log in to ${org}, which is the configured org of ${p}, and ${p} is protected; ` +
      (evidence.confirmable
        ? `run again with --confirm-env ${p}`
        : `nothing was loaded: fix environments.${env}.loginUrl / auth.secretId, or run with --env ${p} --confirm-env ${p} ` +
          `(if ${env} is meant to load that org, set environments.${env}.orgId: ${evidence.orgId} and run with --confirm-env ${p})`)
    );
  },

  objectUnknown: (names: readonly { name: string; suggestion: string | undefined }[], configured: readonly string[]) =>
    `${names
      .map(
        ({ name, suggestion }) =>
          `--object ${printable(name)} is not configured${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
      )
      .join('; ')}; configured objects: ${configured.join(', ')}`,

  // --- the org the credentials log in to (checked after login, before anything is loaded) --------------------
  orgMismatch: ({
    problem,
    env,
    secret,
    instanceUrl,
    orgId,
    expected,
    configuredOrgOf: other,
  }: OrgMismatchErrorProps) => {
    if (problem === 'no-identity') {
      return (
        `the token response for ${env} (secret ${secret}, ${printable(instanceUrl)}) carries no identity URL (id) naming an org, ` +
        `so it cannot be checked against environments.${env}.orgId ${expected}; nothing was loaded: ` +
        `check environments.${env}.loginUrl and auth.secretId, or remove environments.${env}.orgId`
      );
    }
    const configured = problem === 'instance' ? expected : `org ${expected}`;
    const where = `the credentials of ${env} (secret ${secret}) log in to ${printable(instanceUrl)}, org ${orgId ?? 'unknown (no identity URL)'}`;
    return other === undefined
      ? `${where}, not ${env}'s configured org (${configured}) nor any other environment's; nothing was loaded: ` +
          `fix environments.${env}.loginUrl / auth.secretId, or environments.${env}.instanceUrl / orgId if the org moved`
      : `${where}, which is the configured org of ${other.name}, not ${env}'s (${configured}); nothing was loaded: ` +
          `fix environments.${env}.loginUrl / auth.secretId, or run with --env ${other.name}` +
          (other.protected ? ` --confirm-env ${other.name}` : '');
  },
} as const;
