import { CreateDatabaseCommand, GetDatabaseCommand } from '@aws-sdk/client-glue';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  createAwsClients,
  isLoopbackEndpoint,
  LOCAL_EMULATOR_CREDENTIALS,
  localEmulatorCredentials,
} from '../../src/aws';
import { useLocalParts } from '../support/local-parts';

describe('isLoopbackEndpoint', () => {
  test.each([
    ['http://127.0.0.1:5000', true],
    ['http://127.1.2.3', true],
    ['http://localhost:4566', true],
    ['http://LOCALHOST:4566', true],
    ['http://moto.localhost:4566', true],
    ['http://[::1]:5000', true],
    ['http://[::ffff:127.0.0.1]:5000', true],
    ['http://10.0.0.5:5000', false],
    ['http://moto:5000', false],
    ['https://s3.eu-west-1.amazonaws.com', false],
    ['http://127.0.0.1.nip.io', false],
    ['not a url', false],
  ])('%s → %s', (endpoint, expected) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(expected);
  });
});

describe('localEmulatorCredentials', () => {
  test('pins the emulator credentials on loopback when the environment names none', () => {
    expect(localEmulatorCredentials('http://127.0.0.1:5000', {})).toEqual(LOCAL_EMULATOR_CREDENTIALS);
    expect(localEmulatorCredentials('http://127.0.0.1:5000', { AWS_ACCESS_KEY_ID: '' })).toEqual(
      LOCAL_EMULATOR_CREDENTIALS,
    );
  });

  test.each([
    ['AWS_ACCESS_KEY_ID', 'AKIAEXAMPLE'],
    ['AWS_PROFILE', 'sandbox'],
    ['AWS_WEB_IDENTITY_TOKEN_FILE', '/var/run/token'],
    ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '/v2/credentials/x'],
    ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'http://169.254.170.23/v1/credentials'],
  ])('leaves the SDK chain alone when %s is set', (name, value) => {
    expect(localEmulatorCredentials('http://127.0.0.1:5000', { [name]: value })).toBeUndefined();
  });

  test('never pins credentials for real AWS or an emulator elsewhere on the network', () => {
    expect(localEmulatorCredentials(undefined, {})).toBeUndefined();
    expect(localEmulatorCredentials('http://10.0.0.5:5000', {})).toBeUndefined();
  });
});

describe('createAwsClients', () => {
  test('for real AWS: virtual-hosted S3 and the region', async () => {
    const clients = createAwsClients({ region: 'eu-west-1', env: {} });
    expect(clients.s3.config.forcePathStyle).toBe(false);
    expect(await clients.s3.config.region()).toBe('eu-west-1');
    expect(await clients.glue.config.region()).toBe('eu-west-1');
    expect(await clients.secrets.config.region()).toBe('eu-west-1');
  });

  describe('against moto', () => {
    const parts = useLocalParts({ emulator: false });

    test('with no credentials in the environment, all three clients work with the pinned ones', async () => {
      const { endpoint, region } = parts().aws;
      const { s3, glue, secrets } = createAwsClients({ region, endpoint, env: {} });

      expect(s3.config.forcePathStyle).toBe(true);
      expect(await s3.config.credentials()).toMatchObject(LOCAL_EMULATOR_CREDENTIALS);
      expect(await glue.config.credentials()).toMatchObject(LOCAL_EMULATOR_CREDENTIALS);
      expect(await secrets.config.credentials()).toMatchObject(LOCAL_EMULATOR_CREDENTIALS);

      await s3.send(new CreateBucketCommand({ Bucket: 'clients-check' }));
      await s3.send(new PutObjectCommand({ Bucket: 'clients-check', Key: 'a.txt', Body: 'hello' }));
      const object = await s3.send(new GetObjectCommand({ Bucket: 'clients-check', Key: 'a.txt' }));
      expect(await object.Body?.transformToString()).toBe('hello');

      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'clients_check' } }));
      expect((await glue.send(new GetDatabaseCommand({ Name: 'clients_check' }))).Database?.Name).toBe('clients_check');

      await secrets.send(new CreateSecretCommand({ Name: 'clients/check', SecretString: '{}' }));
      expect((await secrets.send(new GetSecretValueCommand({ SecretId: 'clients/check' }))).SecretString).toBe('{}');
    });

    test('maxAttempts reaches the clients', async () => {
      const { endpoint, region } = parts().aws;
      const clients = createAwsClients({ region, endpoint, env: {}, maxAttempts: 7 });
      expect(await clients.glue.config.maxAttempts()).toBe(7);
    });
  });
});
