import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** Where an AWS SDK v3 client finds moto: endpoint, region and the (fake) credentials moto accepts. */
export interface AwsEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:41163`. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface MotoServerProps {
  /**
   * The project's Python virtual environment (holds moto[server]).
   * @default $SFETL_VENV, else `.venv` at the project root
   */
  readonly venvDir?: string;
  /**
   * Address to bind; moto is an unauthenticated emulator, so keep it on loopback.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * How long to wait for moto to bind and answer HTTP.
   * @default 30_000 ms
   */
  readonly startTimeoutMs?: number;
  /**
   * Region handed to clients.
   * @default 'us-east-1'
   */
  readonly region?: string;
}

/** The venv is absent or lacks moto: the fix is the project's Python set-up task. */
export class PythonVenvMissingError extends Error {
  constructor(
    readonly venvDir: string,
    readonly detail: string,
  ) {
    super(`No usable Python venv at ${venvDir} (${detail}). Run \`npm run setup:python\` to create it.`);
    this.name = 'PythonVenvMissingError';
  }
}

/** moto did not come up: it exited, or did not answer within the deadline. */
export class MotoStartError extends Error {
  /** The last lines moto wrote to stderr, oldest first. */
  readonly stderrTail: readonly string[];

  constructor(reason: string, stderrTail: readonly string[]) {
    super(
      `moto server did not start: ${reason}.` +
        (stderrTail.length > 0 ? `\nLast stderr lines:\n  ${stderrTail.join('\n  ')}` : ' It wrote nothing to stderr.'),
    );
    this.name = 'MotoStartError';
    this.stderrTail = [...stderrTail];
  }
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_REGION = 'us-east-1';
const DEFAULT_START_TIMEOUT_MS = 30_000;
/** How long stop() waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_LINES = 40;
/** The inline wrapper's exit code for "moto is not importable", i.e. an incomplete venv. */
const EXIT_NO_MOTO = 3;

/**
 * Runs inside the venv's Python. It binds port 0 (the kernel picks a free port, so there is no window in
 * which another process can take it), prints the port as one JSON line, then blocks reading stdin. stdin
 * is a pipe whose only writer is the Node parent, so the read returns EOF as soon as the parent is gone,
 * whatever killed it (SIGKILL included), and the wrapper exits and takes the server with it. Node has no
 * PR_SET_PDEATHSIG; this pipe is the portable replacement.
 */
const WRAPPER = `
import json, logging, os, sys
try:
    from moto.server import ThreadedMotoServer
except ImportError as error:
    sys.stderr.write("cannot import moto: %s\\n" % error)
    sys.exit(${EXIT_NO_MOTO})
logging.getLogger("werkzeug").setLevel(logging.WARNING)
server = ThreadedMotoServer(ip_address=sys.argv[1], port=0, verbose=False)
server.start()
port = server.get_host_and_port()[1]
# moto builds some URLs it returns from MOTO_PORT; moto_server sets it the same way.
os.environ["MOTO_PORT"] = str(port)
print(json.dumps({"port": port}), flush=True)
sys.stdin.buffer.read()
os._exit(0)
`;

/** Every moto child still alive in this process; killed when the process exits or is interrupted. */
const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/**
 * Kills the children on exit, SIGINT and SIGTERM. A signal listener replaces Node's default "exit", so
 * when ours is the only listener it restores the default and re-raises the signal: an interrupted jest or
 * CLI still dies of that signal. When others listen (e.g. `sfetl stack` stopping cleanly), they decide.
 * Inside jest, `process` is a sandbox copy whose events the real process never emits; there the stdin
 * watchdog alone does the work.
 */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', killLiveChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      killLiveChildren();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** The project root is two levels above this file, in `src/local-parts` as in the compiled `lib/local-parts`. */
function defaultVenvDir(): string {
  return process.env.SFETL_VENV ?? resolve(__dirname, '..', '..', '.venv');
}

function pythonIn(venvDir: string): string {
  return process.platform === 'win32' ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');
}

/** Answers with the status code, or rejects on a connection error; never throws on 4xx/5xx. */
function httpStatus(url: string, method: 'GET' | 'POST', timeoutMs: number): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode ?? 0));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end();
  });
}

/**
 * moto's server (S3, Glue, Secrets Manager, STS … over HTTP) as a child process on a free loopback port.
 * It cannot outlive the Node process that started it; see {@link WRAPPER}.
 */
export class MotoServer implements AwsEndpoint {
  /** Starts moto and resolves once it answers HTTP. */
  static async start(props: MotoServerProps = {}): Promise<MotoServer> {
    const venvDir = resolve(props.venvDir ?? defaultVenvDir());
    const python = pythonIn(venvDir);
    if (!existsSync(python)) throw new PythonVenvMissingError(venvDir, `${python} does not exist`);
    const host = props.host ?? DEFAULT_HOST;
    const deadline = Date.now() + (props.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);

    const child = spawn(python, ['-c', WRAPPER, host], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    installExitHooks();
    liveChildren.add(child);
    const exited = new Promise<void>((done) => {
      child.once('exit', () => {
        liveChildren.delete(child);
        done();
      });
      // spawn failures (EACCES, ENOENT) come as 'error' and may never be followed by 'exit'.
      child.once('error', () => {
        liveChildren.delete(child);
        done();
      });
    });
    const stderrTail: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    });
    // An EPIPE on stdin only means the watchdog already exited; 'exit' reports that.
    child.stdin!.on('error', () => undefined);

    try {
      const port = await readPort(child, venvDir, deadline, stderrTail);
      const server = new MotoServer(child, host, port, props.region ?? DEFAULT_REGION, exited, stderrTail);
      await waitUntilAnswering(server.endpoint, deadline, stderrTail);
      return server;
    } catch (error) {
      await stopChild(child, exited);
      throw error;
    }
  }

  /** Base URL, e.g. `http://127.0.0.1:41163`. */
  readonly endpoint: string;
  readonly credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
  private stopping?: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    host: string,
    /** The port moto listens on (chosen by the kernel). */
    readonly port: number,
    readonly region: string,
    private readonly exited: Promise<void>,
    private readonly stderrTail: readonly string[],
  ) {
    this.endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Process id of the Python process that serves moto. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines moto wrote to stderr; useful when a test's request fails oddly. */
  get recentStderr(): readonly string[] {
    return [...this.stderrTail];
  }

  /** Forgets every resource in every service (moto's `POST /moto-api/reset`), so tests start clean. */
  async reset(): Promise<void> {
    const status = await httpStatus(`${this.endpoint}/moto-api/reset`, 'POST', 10_000);
    if (status >= 300) throw new Error(`moto reset answered HTTP ${status}`);
  }

  /** Stops moto and resolves once the process has exited and the port is free. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= stopChild(this.child, this.exited);
    return this.stopping;
  }
}

/** Closes the watchdog pipe and sends SIGTERM; SIGKILL if moto is still there after a grace period. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((done) => {
    timer = setTimeout(done, STOP_GRACE_MS);
  });
  await Promise.race([exited, graceOver]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}

/** Reads the wrapper's `{"port": N}` line, or explains why it never came. */
function readPort(child: ChildProcess, venvDir: string, deadline: number, stderrTail: string[]): Promise<number> {
  return new Promise((ok, fail) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => settle(new MotoStartError('it did not report its port in time', stderrTail)),
      Math.max(0, deadline - Date.now()),
    );
    // 'close' rather than 'exit': it comes after stderr has ended, so its last lines are in the tail.
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (code === EXIT_NO_MOTO) {
        settle(new PythonVenvMissingError(venvDir, stderrTail.at(-1) ?? 'moto is not installed'));
      } else {
        settle(new MotoStartError(`it exited early (${signal ?? `code ${code}`})`, stderrTail));
      }
    };
    const onError = (error: Error): void => settle(new MotoStartError(`it could not be spawned: ${error.message}`, []));
    let settled = false;
    function settle(result: number | Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('close', onClose);
      child.off('error', onError);
      // Keep draining stdout so a chatty moto never blocks on a full pipe.
      lines.removeAllListeners('line');
      if (typeof result === 'number') ok(result);
      else fail(result);
    }
    lines.on('line', (line) => {
      try {
        const port = (JSON.parse(line) as { port?: unknown }).port;
        if (typeof port === 'number') settle(port);
      } catch {
        // Not the wrapper's line (a library printing to stdout); keep waiting.
      }
    });
    child.once('close', onClose);
    child.once('error', onError);
  });
}

/** Polls moto's management API until it answers, so callers never race the first request. */
async function waitUntilAnswering(endpoint: string, deadline: number, stderrTail: string[]): Promise<void> {
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    try {
      await httpStatus(`${endpoint}/moto-api/`, 'GET', Math.max(1, Math.min(2_000, deadline - Date.now())));
      return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new MotoStartError(`${endpoint} did not answer in time (last error: ${lastError})`, stderrTail);
}

/** AWS SDK v3 client configuration for moto; path-style S3 addressing, since moto serves on an IP. */
export interface AwsClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle: true;
}

/**
 * Configuration for `new S3Client(...)`, `new GlueClient(...)`, `new SecretsManagerClient(...)` that points
 * at moto, from a running {@link MotoServer} or anything holding one as `aws` (e.g. `LocalParts`).
 */
export function awsClientConfig(parts: AwsEndpoint | { readonly aws: AwsEndpoint }): AwsClientConfig {
  const aws = 'aws' in parts ? parts.aws : parts;
  return {
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { accessKeyId: aws.credentials.accessKeyId, secretAccessKey: aws.credentials.secretAccessKey },
    forcePathStyle: true,
  };
}
