import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { OrgEndpoint } from '../../packages/emulator/src';

/** `sfetl emulator` as a person runs it: its own process, started from the repository root. */
export const REPO_ROOT = resolve(__dirname, '../..');
/** The project's Node 22 (the `node` devDependency), whatever `node` is first on PATH. */
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running emulator process and what it printed. */
export class EmulatorRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // 'close', not 'exit': by then stdout and stderr are read to their end.
    this.exited = new Promise((done) => child.once('close', (code, signal) => done({ code, signal })));
  }

  /** The orgs of the one JSON line the emulator prints when it is ready. */
  async ready(): Promise<Record<string, OrgEndpoint>> {
    const line = await new Promise<string>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`no JSON line within ${READY_TIMEOUT_MS} ms; stderr: ${this.stderr}`)),
        READY_TIMEOUT_MS,
      );
      const check = () => {
        const end = this.stdout.indexOf('\n');
        if (end < 0) return;
        clearTimeout(timer);
        this.child.stdout!.off('data', check);
        done(this.stdout.slice(0, end));
      };
      this.child.stdout!.on('data', check);
      void this.exited.then(({ code }) => {
        clearTimeout(timer);
        fail(new Error(`the emulator exited with code ${code} before it was ready; stderr: ${this.stderr}`));
      });
      check();
    });
    return (JSON.parse(line) as { orgs: Record<string, OrgEndpoint> }).orgs;
  }

  /** SIGTERM (as a supervisor stops it) or SIGINT (Ctrl-C); fails when it takes longer than a few seconds. */
  stop(signal: 'SIGTERM' | 'SIGINT' = 'SIGTERM'): Promise<Exit> {
    this.child.kill(signal);
    return within(this.exited, STOP_TIMEOUT_MS, `the emulator did not stop after ${signal}`);
  }
}

const running = new Set<EmulatorRun>();

/** Starts `sfetl emulator <args>`; pair with `afterEach(killRunningEmulators)`. */
export function startEmulator(args: readonly string[]): EmulatorRun {
  const run = new EmulatorRun(
    spawn(NODE, ['bin/sfetl.js', 'emulator', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  running.add(run);
  void run.exited.then(() => running.delete(run));
  return run;
}

/** Runs `sfetl emulator <args>` to its end: for the command lines that must be refused. */
export async function runToExit(
  args: readonly string[],
): Promise<Exit & { readonly stdout: string; readonly stderr: string }> {
  const run = startEmulator(args);
  const exit = await within(run.exited, READY_TIMEOUT_MS, `sfetl emulator ${args.join(' ')} did not exit`);
  return { ...exit, stdout: run.stdout, stderr: run.stderr };
}

/** Kills every emulator a test started and left running: a test that fails half-way must not leave one behind. */
export async function killRunningEmulators(): Promise<void> {
  for (const run of running) {
    run.child.kill('SIGKILL');
    await run.exited;
  }
}

export function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A loopback port nobody listens on at this moment. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/** True when something accepts TCP connections at the URL's host and port. */
export function answers(url: string): Promise<boolean> {
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

/** The non-empty lines of a process's output. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}
