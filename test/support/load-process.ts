import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const SFETL = join(ROOT, 'bin/sfetl.js');

/** How a `sfetl load` process ended, with its JSON events. */
export interface LoadProcessResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderr: string;
  readonly events: Record<string, any>[];
}

/**
 * Runs `sfetl load --output json` as its own process (the way Glue runs it); `killWhen` sees each JSON
 * event and may return true to send `signal` to it. AWS credentials of the environment are left out, so
 * the runner uses the ones the config's local endpoint accepts.
 */
export function loadProcess(
  args: readonly string[],
  killWhen: (event: Record<string, any>) => boolean = () => false,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<LoadProcessResult> {
  const env = { ...process.env };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const child = spawn(NODE, [SFETL, 'load', '--output', 'json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Record<string, any>[] = [];
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const event = JSON.parse(line) as Record<string, any>;
    events.push(event);
    if (!signalled && child.exitCode === null && killWhen(event)) {
      signalled = true;
      child.kill(signal);
    }
  });
  return new Promise((done) =>
    child.on('close', (code, exitSignal) => {
      done({ code, signal: exitSignal, stderr, events });
    }),
  );
}
