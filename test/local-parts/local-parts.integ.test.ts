import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { OrgEmulator, OrgEndpoint } from '../../packages/emulator/src';
import {
  awsClientConfig,
  LocalPartNotStartedError,
  LocalParts,
  MotoServer,
  PythonVenvMissingError,
} from '../../src/local-parts';
import { useLocalParts } from '../support/local-parts';

/** True when something accepts TCP connections at the URL's host and port. */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** The OAuth 2.0 client-credentials flow, as a Salesforce client runs it against the org's login URL. */
async function accessToken(org: OrgEndpoint): Promise<unknown> {
  const response = await fetch(`${org.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: org.clientId,
      client_secret: org.clientSecret,
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token?: unknown }).access_token;
}

describe('LocalParts with both parts', () => {
  const parts = useLocalParts({ emulator: { orgs: ['dev', 'qa'] } });

  test('moto answers the AWS SDK at the handed-back endpoint', async () => {
    const s3 = new S3Client(awsClientConfig(parts()));
    await s3.send(new CreateBucketCommand({ Bucket: 'logs' }));

    const buckets = await s3.send(new ListBucketsCommand({}));

    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual(['logs']);
    expect(parts().aws).toMatchObject({ region: 'us-east-1', endpoint: parts().moto.endpoint });
    s3.destroy();
  });

  test('each org hands out an access token for its client credentials', async () => {
    expect(Object.keys(parts().orgs).sort()).toEqual(['dev', 'qa']);

    expect(await accessToken(parts().orgs.dev)).toEqual(expect.any(String));
    expect(await accessToken(parts().orgs.qa)).toEqual(expect.any(String));
  });
});

describe('LocalParts lifecycle', () => {
  test('stop() stops both parts and can be called again', async () => {
    const parts = await LocalParts.start();
    const endpoints = [parts.aws.endpoint, parts.orgs.dev.loginUrl];
    expect(await Promise.all(endpoints.map(answers))).toEqual([true, true]);

    await parts.stop();

    expect(await Promise.all(endpoints.map(answers))).toEqual([false, false]);
    await expect(parts.stop()).resolves.toBeUndefined();
  });

  test('starts the emulator alone, with the default dev org', async () => {
    const parts = await LocalParts.start({ moto: false });
    try {
      expect(Object.keys(parts.orgs)).toEqual(['dev']);
      expect(() => parts.aws).toThrow(LocalPartNotStartedError);
      expect(() => parts.aws).toThrow(/without moto/);
    } finally {
      await parts.stop();
    }
  });

  test('starts moto alone', async () => {
    const parts = await LocalParts.start({ emulator: false });
    try {
      expect(await answers(parts.aws.endpoint)).toBe(true);
      expect(() => parts.orgs).toThrow(LocalPartNotStartedError);
    } finally {
      await parts.stop();
    }
  });
});

describe('LocalParts when one part fails to start', () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'sfetl-local-parts-'));
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a missing venv stops the emulator that did start and surfaces the venv error', async () => {
    // Observe the emulator that LocalParts starts, to check afterwards that nothing is left listening.
    const emulators: OrgEmulator[] = [];
    const start = OrgEmulator.start.bind(OrgEmulator);
    jest.spyOn(OrgEmulator, 'start').mockImplementation(async (options) => {
      const emulator = await start(options);
      emulators.push(emulator);
      return emulator;
    });

    const started = LocalParts.start({ moto: { venvDir: join(scratch, 'no-venv') } });

    await expect(started).rejects.toThrow(PythonVenvMissingError);
    expect(emulators).toHaveLength(1);
    expect(await answers(emulators[0].orgs.dev.loginUrl)).toBe(false);
  });

  test('an emulator that fails to start takes moto down with it', async () => {
    const motos: MotoServer[] = [];
    const startMoto = MotoServer.start.bind(MotoServer);
    jest.spyOn(MotoServer, 'start').mockImplementation(async (props) => {
      const moto = await startMoto(props);
      motos.push(moto);
      return moto;
    });
    jest.spyOn(OrgEmulator, 'start').mockRejectedValue(new Error('emulator broke'));

    await expect(LocalParts.start()).rejects.toThrow('emulator broke');
    expect(motos).toHaveLength(1);
    expect(await answers(motos[0].endpoint)).toBe(false);
  });
});
