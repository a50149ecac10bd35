import { readFileSync } from 'node:fs';
import { parseCommandArgs } from './command-args';
import { CliError } from './exit-codes';
import { messages } from './messages';
import {
  EmulatorConfigError,
  EmulatorStartError,
  loadEmulatorConfig,
  OrgConfig,
  OrgEmulator,
  OrgEmulatorOptions,
} from '../../packages/emulator/src';
import { printableJson } from '../config';

/** `sfetl emulator`: runs the org emulator until SIGINT/SIGTERM; prints one JSON line when ready. */
export async function emulatorCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseCommandArgs('emulator', argv, {
    orgs: { type: 'string' },
    config: { type: 'string' },
    'data-dir': { type: 'string' },
    objects: { type: 'string', multiple: true },
    host: { type: 'string' },
    port: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    out.write(`${messages.emulatorUsage}\n`);
    return 0;
  }
  let options: OrgEmulatorOptions = {};
  if (args.config) {
    try {
      options = loadEmulatorConfig(args.config);
    } catch (err) {
      if (err instanceof EmulatorConfigError) throw new CliError(messages.emulatorConfig(err.file, err.detail));
      throw err;
    }
  }
  let orgs: OrgConfig[] = (options.orgs ?? []).map((o) => (typeof o === 'string' ? { name: o } : o));
  if (args.orgs !== undefined) {
    const names = args.orgs
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    if (names.length === 0) throw new CliError(messages.badOption('--orgs needs at least one org name', 'emulator'));
    orgs = names.map((name) => orgs.find((o) => o.name === name) ?? { name });
  }
  if (orgs.length === 0) orgs = [{ name: 'dev' }];
  if (args.port !== undefined) {
    const base = Number(args.port);
    if (!Number.isInteger(base) || base < 1 || base + orgs.length - 1 > 65535) {
      throw new CliError(messages.badOption(`--port must be a port number, got "${args.port}"`, 'emulator'));
    }
    orgs = orgs.map((o, i) => ({ ...o, port: base + i }));
  }
  if (!!args['tls-cert'] !== !!args['tls-key']) throw new CliError(messages.tlsPair);
  const tls = args['tls-cert']
    ? { cert: readText('TLS certificate', args['tls-cert']), key: readText('TLS key', args['tls-key']!) }
    : options.tls;
  const emulator = await startEmulator({
    ...options,
    orgs,
    tls,
    host: args.host ?? options.host,
    dataDir: args['data-dir'] ?? options.dataDir,
    objectDirs: [...(options.objectDirs ?? []), ...(args.objects ?? [])],
  });
  out.write(`${printableJson({ orgs: emulator.orgs })}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emulator.stop();
  process.stderr.write(`${messages.emulatorStopped}\n`);
  return 0;
}

function readText(what: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(messages.unreadableFile(what, path, (err as Error).message));
  }
}

async function startEmulator(options: OrgEmulatorOptions): Promise<OrgEmulator> {
  try {
    return await OrgEmulator.start(options);
  } catch (err) {
    if (err instanceof EmulatorStartError) throw new CliError(err.message);
    throw err;
  }
}
