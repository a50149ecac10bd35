import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateDatabaseCommand, GetDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig, MotoServer, PythonVenvMissingError } from '../../src/local-parts/moto-server';

const PROJECT_VENV = resolve(__dirname, '..', '..', '.venv');

/** True when something accepts TCP connections on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function eventually(condition: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((done) => setTimeout(done, 100));
  }
  return condition();
}

/** Gone, or a zombie nobody reaps (a container's PID 1 may not): either way it serves nothing. */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

describe('MotoServer', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await MotoServer.start();
  }, 60_000);

  afterAll(() => moto?.stop());

  test('hands back a loopback endpoint, us-east-1 and the test credentials', () => {
    expect(moto.endpoint).toBe(`http://127.0.0.1:${moto.port}`);
    expect(moto.port).toBeGreaterThan(0);
    expect(moto.region).toBe('us-east-1');
    expect(moto.credentials).toEqual({ accessKeyId: 'testing', secretAccessKey: 'testing' });
    expect(awsClientConfig(moto)).toEqual({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      forcePathStyle: true,
    });
  });

  test('serves S3: a put object reads back', async () => {
    const s3 = new S3Client(awsClientConfig(moto));
    await s3.send(new CreateBucketCommand({ Bucket: 'source' }));
    await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'in/Contact.csv', Body: 'LastName\nDoe\n' }));

    const got = await s3.send(new GetObjectCommand({ Bucket: 'source', Key: 'in/Contact.csv' }));

    expect(await got.Body?.transformToString()).toBe('LastName\nDoe\n');
    s3.destroy();
  });

  test('serves the Glue Data Catalog', async () => {
    const glue = new GlueClient(awsClientConfig(moto));
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'sfetl_logs' } }));

    const got = await glue.send(new GetDatabaseCommand({ Name: 'sfetl_logs' }));

    expect(got.Database?.Name).toBe('sfetl_logs');
    glue.destroy();
  });

  test('serves Secrets Manager', async () => {
    const secrets = new SecretsManagerClient(awsClientConfig(moto));
    await secrets.send(new CreateSecretCommand({ Name: 'sfetl/dev', SecretString: '{"clientSecret":"s3cr3t"}' }));

    const got = await secrets.send(new GetSecretValueCommand({ SecretId: 'sfetl/dev' }));

    expect(got.SecretString).toBe('{"clientSecret":"s3cr3t"}');
    secrets.destroy();
  });

  test('reset() forgets every resource', async () => {
    const s3 = new S3Client(awsClientConfig(moto));
    await s3.send(new CreateBucketCommand({ Bucket: 'before-reset' }));

    await moto.reset();

    expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    s3.destroy();
  });
});

describe('MotoServer lifecycle', () => {
  test('stop() frees the port and can be called again', async () => {
    const moto = await MotoServer.start();
    expect(await answers(moto.port)).toBe(true);

    await moto.stop();

    expect(await answers(moto.port)).toBe(false);
    expect(processGone(moto.pid!)).toBe(true);
    await expect(moto.stop()).resolves.toBeUndefined();
  });

  test('two servers get different ports', async () => {
    const [a, b] = await Promise.all([MotoServer.start(), MotoServer.start()]);
    try {
      expect(a.port).not.toBe(b.port);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('MotoServer without the Python venv', () => {
  let scratch: string;
  const savedVenv = process.env.SFETL_VENV;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'sfetl-venv-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
    if (savedVenv === undefined) delete process.env.SFETL_VENV;
    else process.env.SFETL_VENV = savedVenv;
  });

  test('a missing venv says to run the set-up task', async () => {
    const venvDir = join(scratch, 'nowhere');

    const started = MotoServer.start({ venvDir });

    await expect(started).rejects.toThrow(PythonVenvMissingError);
    await expect(started).rejects.toThrow(/npm run setup:python/);
    await expect(started).rejects.toMatchObject({ venvDir });
  });

  test('SFETL_VENV chooses the venv', async () => {
    process.env.SFETL_VENV = join(scratch, 'from-env');

    await expect(MotoServer.start()).rejects.toMatchObject({ venvDir: join(scratch, 'from-env') });
  });

  test('a venv without moto gets the same hint', async () => {
    // A python that ignores site-packages stands for a half-built venv.
    mkdirSync(join(scratch, 'bin'));
    const python = join(scratch, 'bin', 'python');
    writeFileSync(python, `#!/bin/sh\nexec '${join(PROJECT_VENV, 'bin', 'python')}' -S "$@"\n`);
    chmodSync(python, 0o755);

    const started = MotoServer.start({ venvDir: scratch });

    await expect(started).rejects.toThrow(PythonVenvMissingError);
    await expect(started).rejects.toThrow(/cannot import moto.*npm run setup:python/s);
  });
});

describe('MotoServer never outlives the process that started it', () => {
  const modulePath = resolve(__dirname, '..', '..', 'src', 'local-parts', 'moto-server.ts');
  const starter = `
    require('tsx/cjs');
    const { MotoServer } = require(${JSON.stringify(modulePath)});
    MotoServer.start().then((moto) => console.log(JSON.stringify({ port: moto.port, pid: moto.pid })));
  `;

  /** Starts a Node process that starts moto; resolves with both once moto is up. */
  async function startParent() {
    const parent = spawn(process.execPath, ['-e', starter], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      parent.once('exit', (code, signal) => done({ code, signal })),
    );
    const moto = await new Promise<{ port: number; pid: number }>((done, fail) => {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) done(JSON.parse(out.split('\n')[0]));
      });
      parent.once('exit', (code) => fail(new Error(`parent exited with ${code} before moto was up`)));
    });
    return { parent, exited, moto };
  }

  test('SIGKILL of the parent takes moto down', async () => {
    const { parent, exited, moto } = await startParent();
    expect(await answers(moto.port)).toBe(true);

    parent.kill('SIGKILL');
    await exited;

    expect(await eventually(async () => !(await answers(moto.port)), 5_000)).toBe(true);
    expect(await eventually(async () => processGone(moto.pid), 5_000)).toBe(true);
  });

  test.each(['SIGINT', 'SIGTERM'] as const)('%s of the parent stops moto and still ends the parent', async (signal) => {
    const { parent, exited, moto } = await startParent();

    parent.kill(signal);

    expect(await exited).toEqual({ code: null, signal });
    expect(await eventually(async () => !(await answers(moto.port)), 5_000)).toBe(true);
  });
});
