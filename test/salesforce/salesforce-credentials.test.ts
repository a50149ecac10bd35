import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialsFormatError, parseCredentials } from '../../src/salesforce';

const RSA_KEY = readFileSync(join(__dirname, '../../packages/emulator/test/fixtures/jwt/jwt-key.pem'), 'utf8');

/** A private key of another type than the RSA that RS256 needs, as PEM (PKCS #8), made for the test. */
function pem(type: 'ed25519' | 'ec' | 'rsa-pss'): string {
  const encoding = { privateKeyEncoding: { type: 'pkcs8' as const, format: 'pem' as const } };
  switch (type) {
    case 'ed25519':
      return generateKeyPairSync('ed25519', { ...encoding, publicKeyEncoding: { type: 'spki', format: 'pem' } })
        .privateKey;
    case 'ec':
      return generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        ...encoding,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey;
    case 'rsa-pss':
      return generateKeyPairSync('rsa-pss', {
        modulusLength: 2048,
        ...encoding,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey;
  }
}

const jwtSecret = (privateKey: string) => ({ clientId: 'client-id', username: 'etl@acme.example', privateKey });

describe('parseCredentials: the JWT bearer key', () => {
  test.each<['ed25519' | 'ec' | 'rsa-pss', string]>([
    ['ed25519', 'an ed25519 key'],
    ['ec', 'an ec key'],
    ['rsa-pss', 'an rsa-pss key'],
  ])('%s: refused before any request, saying RS256 needs an RSA key', (type, named) => {
    const key = pem(type);
    const call = () => parseCredentials('jwt', jwtSecret(key), 'sfetl/prod');
    expect(call).toThrow(CredentialsFormatError);
    expect(call).toThrow(
      `secret sfetl/prod: privateKey is ${named}; Salesforce's JWT bearer flow signs with RS256: store the connected app's RSA private key (PEM)`,
    );
    try {
      call();
    } catch (e) {
      expect((e as Error).message).not.toContain(key.split('\n')[1]);
    }
  });

  test('an RSA key is taken', () => {
    expect(parseCredentials('jwt', jwtSecret(RSA_KEY), 'sfetl/prod')).toEqual({
      type: 'jwt',
      ...jwtSecret(RSA_KEY),
    });
  });
});
