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
