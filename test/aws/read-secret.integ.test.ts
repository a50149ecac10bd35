import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClients, readSecretJson, SecretFormatError, SecretNotFoundError } from '../../src/aws';
import { useLocalParts } from '../support/local-parts';

const parts = useLocalParts({ emulator: false });
let secrets: SecretsManagerClient;
const SENSITIVE = 'sup3r-s3cret-VALUE';

beforeAll(() => {
  const { endpoint, region } = parts().aws;
  secrets = createAwsClients({ region, endpoint, env: {} }).secrets;
});

async function secret(name: string, value: { SecretString: string } | { SecretBinary: Uint8Array }): Promise<void> {
  await secrets.send(new CreateSecretCommand({ Name: name, ...value }));
}

async function failure(secretId: string): Promise<Error> {
  return readSecretJson(secrets, secretId).then(
    () => {
      throw new Error(`reading ${secretId} should have failed`);
    },
    (error: Error) => error,
  );
}

describe('readSecretJson', () => {
  test('reads a JSON object from SecretString', async () => {
    await secret('sfetl/dev', { SecretString: JSON.stringify({ clientId: 'id', clientSecret: SENSITIVE }) });
    expect(await readSecretJson(secrets, 'sfetl/dev')).toEqual({ clientId: 'id', clientSecret: SENSITIVE });
  });

  test('reads a JSON object from SecretBinary', async () => {
    await secret('sfetl/binary', { SecretBinary: Buffer.from('{"privateKey": "-----BEGIN…"}') });
    expect(await readSecretJson(secrets, 'sfetl/binary')).toEqual({ privateKey: '-----BEGIN…' });
  });

  test('by ARN as well as by name', async () => {
    const created = await secrets.send(
      new CreateSecretCommand({ Name: 'sfetl/arn', SecretString: '{"clientId": "by-arn"}' }),
    );
    expect(await readSecretJson(secrets, created.ARN!)).toEqual({ clientId: 'by-arn' });
  });

  test('a missing secret names the id and the two fixes', async () => {
    const error = await failure('sfetl/nope');
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).secretId).toBe('sfetl/nope');
    expect(error.message).toBe(
      'Secret "sfetl/nope" was not found in AWS Secrets Manager; create it, or set auth.secretId of the ' +
        'environment to the name or ARN of the secret that holds the credentials.',
    );
  });

  test.each([
    ['not JSON', `clientSecret=${SENSITIVE}`, 'is not valid JSON'],
    ['cut-off JSON', `{"clientSecret": "${SENSITIVE}`, 'is not valid JSON'],
    ['a JSON string', JSON.stringify(SENSITIVE), 'holds a string, not a JSON object'],
    ['a JSON array', JSON.stringify([SENSITIVE]), 'holds an array, not a JSON object'],
    ['JSON null', 'null', 'holds null, not a JSON object'],
    ['blank', '   ', 'has an empty value'],
  ])('%s is a SecretFormatError that never shows the value', async (_kind, value, problem) => {
    const id = `sfetl/format-${_kind.replace(/\W+/g, '-')}`;
    await secret(id, { SecretString: value });

    const error = await failure(id);

    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toBe(
      `Secret "${id}" ${problem}; store it as a JSON object, e.g. {"clientId": "...", "clientSecret": "..."}.`,
    );
    expect(error.message).not.toContain('s3cret');
    expect(JSON.stringify(error)).not.toContain('s3cret');
    expect(String(error.stack)).not.toContain('s3cret');
    expect((error as { cause?: unknown }).cause).toBeUndefined();
  });
});
