import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { MotoServer } from '../../src/local-parts';
import { DocCommand, docCommands, docFiles } from '../support/doc-commands';

/**
 * Every command in the README and docs/ is run here, page by page, in the order a reader follows it, from
 * the repository root: servers written with a trailing `&` are started and left running until the page
 * is done, every other command must exit 0. The few commands that need something no test can have (an
 * AWS account) or that are this very test suite are listed in NOT_RUN_HERE with the reason; a command
 * that is neither run nor listed fails the test, so a new command in the docs cannot go unchecked.
 */

const ROOT = join(__dirname, '..', '..');

// A page runs a demo, a publish on local Spark and several loads: minutes on a busy CI machine.
jest.setTimeout(900_000);

/** Commands not run by this file, each with why and what checks it instead. */
const NOT_RUN_HERE: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /^npm test$/,
    reason: 'the whole test suite: it is what CI runs (.ci/run) on a fresh clone, and this test is part of it',
  },
  {
    pattern: /^npm run test:chaos\b/,
    reason:
      'the randomized end-to-end test at length; its 3-minute seeded version is part of this suite (test/chaos/chaos.integ.test.ts)',
  },
  {
    pattern: /^npx cdk (bootstrap|deploy|destroy)\b/,
    reason: 'needs an AWS account; `npx cdk synth` is run here and by test/infra',
  },
  {
    pattern: /^aws (glue|athena|cloudformation|secretsmanager put-secret-value|logs|emr) /,
    reason: 'acts on deployed resources (Glue jobs, workflows, Athena workgroup) that exist only in an AWS account',
  },
];

function reasonNotRun(command: string): string | undefined {
  return NOT_RUN_HERE.find((n) => n.pattern.test(command))?.reason;
}

/**
 * `npm install && …`: the suite itself runs after `npm install` (CI runs `npm install && npm test`), so
 * what follows it is run as the next step; installing again from inside the suite would change the
 * node_modules the other test files are using.
 */
function afterInstall(command: DocCommand): DocCommand {
  const rest = /^npm install && (.+)$/.exec(command.command)?.[1];
  return rest === undefined ? command : { ...command, command: rest };
}

/** The environment a reader has after the README's set-up: Node 22 and the venv first on PATH. */
function readerEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.AWS_PROFILE;
  env.PATH = [join(ROOT, 'node_modules', '.bin'), join(ROOT, '.venv', 'bin'), process.env.PATH].join(delimiter);
  return env;
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A reader's terminal for one page: foreground commands in order, background servers kept until the end. */
class PageSession {
  private readonly servers: ChildProcess[] = [];
  readonly ready: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  run(command: DocCommand): Promise<Finished> {
    // The AWS CLI commands of the pages (e.g. creating a secret) go to a moto server, as if it were the account.
    const env = command.command.startsWith('aws ') ? { ...this.env, ...awsAccount() } : this.env;
    const child = spawn('bash', ['-c', command.command], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
  }

  /** Starts a server and waits for its ready line (one JSON line on stdout). */
  start(command: DocCommand): Promise<string> {
    // Its own process group: `npx` starts the server as a child, and the whole group is stopped at the end.
    const child = spawn('bash', ['-c', `exec ${command.command}`], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.servers.push(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command.command}: no ready line in 90 s\n${stderr}`)), 90_000);
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer);
        this.ready.push(line);
        resolve(line);
      });
      child.on('exit', (code) => reject(new Error(`${command.command} exited ${code} before it was ready\n${stderr}`)));
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const group = (signal: NodeJS.Signals) => {
              try {
                process.kill(-child.pid!, signal);
              } catch {
                // the group is gone already
              }
            };
            const force = setTimeout(() => group('SIGKILL'), 20_000);
            child.once('exit', () => {
              clearTimeout(force);
              group('SIGKILL'); // anything the server left behind in its group
              done();
            });
            group('SIGTERM');
          }),
      ),
    );
  }
}

const pages = docFiles().map((file) => ({ file, commands: docCommands(file) }));
/** Self-contained commands (no server of the page running) that already exited 0 on an earlier page. */
const ranBefore = new Set<string>();
const scratch = mkdtempSync(join(tmpdir(), 'sfetl-docs-'));
let moto: MotoServer;

function awsAccount(): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: moto.region,
  };
}

beforeAll(async () => {
  moto = await MotoServer.start();
});

afterAll(async () => {
  await moto?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe.each(pages.filter((p) => p.commands.length > 0).map((p) => [p.commands[0]!.file, p.commands] as const))(
  '%s',
  (_file, commands) => {
    test('every command runs as written (or is listed with the reason it cannot run here)', async () => {
      // What the pages ask the reader to have: a private key file and a consumer key (docs/configuration.md).
      const keyFile = join(scratch, 'server.key');
      writeFileSync(
        keyFile,
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
      );
      const session = new PageSession(readerEnv({ CONSUMER_KEY: '3MVG9docs', PRIVATE_KEY_FILE: keyFile }));
      const outcomes: string[] = [];
      try {
        for (const written of commands) {
          const command = afterInstall(written);
          const where = `${command.file}:${command.line}: ${command.command}`;
          const reason = reasonNotRun(command.command);
          if (reason) {
            outcomes.push(`${where} — not run: ${reason}`);
            continue;
          }
          if (command.background) {
            const line = await session.start(command);
            expect(() => JSON.parse(line)).not.toThrow();
            outcomes.push(`${where} — started`);
            continue;
          }
          const selfContained = session.ready.length === 0;
          if (selfContained && ranBefore.has(command.command)) {
            outcomes.push(`${where} — exit 0 on an earlier page`);
            continue;
          }
          const result = await session.run(command);
          if (result.code !== 0) {
            throw new Error(
              `${where}\nexited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
            );
          }
          outcomes.push(`${where} — exit 0`);
          if (selfContained) ranBefore.add(command.command);
        }
      } finally {
        await session.stop();
      }
      expect(outcomes.length).toBe(commands.length);
    });
  },
);
