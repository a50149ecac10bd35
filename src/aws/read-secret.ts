import { readFile } from 'node:fs/promises';
import {
  DecryptionFailure,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';

/** The secret does not exist (in this account and region). */
export class SecretNotFoundError extends Error {
  constructor(readonly secretId: string) {
    super(
      `Secret "${secretId}" was not found in AWS Secrets Manager; create it, or set auth.secretId ` +
        'of the environment to the name or ARN of the secret that holds the credentials.',
    );
    this.name = 'SecretNotFoundError';
  }
}

/** The secret exists but this role may not read or decrypt it. */
export class SecretAccessDeniedError extends Error {
  constructor(
    readonly secretId: string,
    readonly awsErrorName: string,
  ) {
    super(
      `Reading secret "${secretId}" was refused (${awsErrorName}); allow this role ` +
        'secretsmanager:GetSecretValue on it (and kms:Decrypt on its key when it uses a customer-managed key).',
    );
    this.name = 'SecretAccessDeniedError';
  }
}

/** The secret's value is not a JSON object. The value itself is never part of the message. */
export class SecretFormatError extends Error {
  constructor(
    readonly secretId: string,
    /** What is wrong, in words that never quote the value. */
    readonly problem: string,
  ) {
    super(
      `Secret "${secretId}" ${problem}; store it as a JSON object, e.g. {"clientId": "...", "clientSecret": "..."}.`,
    );
    this.name = 'SecretFormatError';
  }
}

/** A local secret file (`sfetl load --secret-file`) that cannot be read. Its content is never part of the message. */
export class SecretFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`Secret file "${path}" ${problem}; pass the path of a readable JSON file with the org's credentials.`);
    this.name = 'SecretFileError';
  }
}

/** Describes a parsed value without revealing it. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Secrets Manager's model has no class for AccessDeniedException (IAM answers it, not the service), so
 * the SDK raises the generic service exception; its error code is the only thing that tells it apart.
 */
function isAccessDenied(error: unknown): error is SecretsManagerServiceException {
  return error instanceof SecretsManagerServiceException && error.name === 'AccessDeniedException';
}

/**
 * Reads a secret whose value is a JSON object (SecretString, or SecretBinary holding UTF-8 JSON).
 * Errors name the secret id and never the value: V8's JSON.parse message quotes the input, so it is dropped.
 */
export async function readSecretJson(
  secrets: SecretsManagerClient,
  secretId: string,
): Promise<Record<string, unknown>> {
  let text: string | undefined;
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) throw new SecretNotFoundError(secretId);
    if (error instanceof DecryptionFailure || isAccessDenied(error)) {
      throw new SecretAccessDeniedError(secretId, error.name);
    }
    throw error;
  }
  return parseSecretText(text, secretId);
}

/**
 * Reads the credentials from a local JSON file instead of Secrets Manager: the local override for a laptop
 * or the embedded default (`sfetl load --secret-file`). Same content and checks as a secret.
 */
export async function readSecretJsonFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SecretFileError(path, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`);
  }
  return parseSecretText(text, `file:${path}`);
}

/** The secret's text as a JSON object; errors name the source, never the value (JSON.parse quotes input). */
function parseSecretText(text: string | undefined, secretId: string): Record<string, unknown> {
  if (text === undefined || text.trim() === '') throw new SecretFormatError(secretId, 'has an empty value');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SecretFormatError(secretId, 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SecretFormatError(secretId, `holds ${kindOf(value)}, not a JSON object`);
  }
  return value as Record<string, unknown>;
}
