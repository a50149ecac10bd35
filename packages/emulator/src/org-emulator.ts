import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EmulatedOrg, OrgConfig, OrgSnapshot } from './emulated-org';
import { OrgHttpServer, TlsOptions } from './org-http-server';
import { BUILTIN_OBJECTS_DIR, SchemaRegistry } from './sobject-schema';
import { jsonSyntaxError } from '../../syntax-errors/src';

/** How to reach one emulated org, as `sfetl emulator` prints it. */
export interface OrgEndpoint {
  readonly name: string;
  /** Where API calls go; the token response's `instance_url` is this URL. */
  readonly instanceUrl: string;
  /** The org's 18-character id (`00D…`), as the token response's identity URL (`id`) names it. */
  readonly orgId: string;
  /** The token endpoint's base (`<loginUrl>/services/oauth2/token`); also the JWT audience. */
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly username: string;
  /** A refresh token for the refresh_token grant. */
  readonly refreshToken: string;
  /** Base of the emulator's control endpoint for this org (faults, reset, stats). */
  readonly controlUrl: string;
}

export interface OrgEmulatorOptions {
  /** Org names, or full org configurations. @default ['dev'] */
  readonly orgs?: readonly (string | OrgConfig)[];
  /** Address to listen on. @default 127.0.0.1 */
  readonly host?: string;
  /** Directory where each org's records, jobs and credentials are kept across restarts. @default none (in memory) */
  readonly dataDir?: string;
  /** Directories of extra object schema files; they add objects or replace builtin ones. @default none */
  readonly objectDirs?: readonly string[];
  /** Serve HTTPS with this certificate and key instead of HTTP. */
  readonly tls?: TlsOptions;
}

/** Several emulated Salesforce orgs in one process, each on its own port. */
export class OrgEmulator {
  static async start(options: OrgEmulatorOptions = {}): Promise<OrgEmulator> {
    const schemas = SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR, ...(options.objectDirs ?? [])]);
    const configs = (options.orgs ?? ['dev']).map((o) => (typeof o === 'string' ? { name: o } : o));
    const names = new Set<string>();
    for (const config of configs) {
      if (!/^[A-Za-z0-9_-]+$/.test(config.name)) {
        throw new EmulatorStartError(`org name "${config.name}" may only use letters, digits, "-" and "_"; rename it`);
      }
      if (names.has(config.name)) {
        throw new EmulatorStartError(`org "${config.name}" is configured twice; name each org once`);
      }
      names.add(config.name);
    }
    if (options.dataDir) ensureDirectory(options.dataDir);
    const servers = configs.map((config) => {
      const saved = options.dataDir ? loadSnapshot(options.dataDir, config.name) : undefined;
      let org: EmulatedOrg;
      try {
        org = new EmulatedOrg(config, schemas, saved);
      } catch (err) {
        throw new EmulatorStartError(
          `org ${config.name}: its JWT certificate cannot be read (${(err as Error).message}); give a PEM certificate or public key`,
        );
      }
      return new OrgHttpServer(org, options.tls);
    });
    const emulator = new OrgEmulator(servers, options.dataDir);
    const host = options.host ?? '127.0.0.1';
    try {
      await Promise.all(servers.map((s) => s.listen(host, s.org.config.port ?? 0)));
    } catch (err) {
      await emulator.stop();
      throw startError(err, host);
    }
    return emulator;
  }

  private readonly saveTimers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  private constructor(
    private readonly servers: readonly OrgHttpServer[],
    private readonly dataDir: string | undefined,
  ) {
    for (const server of servers) {
      server.org.ingest.onChange(() => this.scheduleSave(server.org));
    }
  }

  get orgs(): Readonly<Record<string, OrgEndpoint>> {
    // Org names are the operator's (--orgs, the config file): on an object without a prototype, `__proto__` is a key too.
    const result: Record<string, OrgEndpoint> = Object.create(null) as Record<string, OrgEndpoint>;
    for (const { org } of this.servers) {
      result[org.name] = {
        name: org.name,
        instanceUrl: org.instanceUrl,
        orgId: org.settings.orgId,
        loginUrl: org.instanceUrl,
        clientId: org.settings.clientId,
        clientSecret: org.settings.clientSecret,
        username: org.settings.username,
        refreshToken: org.settings.refreshToken!,
        controlUrl: `${org.instanceUrl}/__emulator`,
      };
    }
    return result;
  }

  /** The emulated org itself, for tests that inspect or seed it in process. */
  org(name: string): EmulatedOrg {
    const server = this.servers.find((s) => s.org.name === name);
    if (!server) throw new Error(`no org named "${name}" in this emulator`);
    return server.org;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Jobs stop between two chunks, as in a process that exits; the snapshot below resumes them on restart.
    for (const { org } of this.servers) org.ingest.halt();
    for (const timer of this.saveTimers.values()) clearTimeout(timer);
    await Promise.all(this.servers.map((s) => s.close()));
    if (this.dataDir) for (const { org } of this.servers) this.save(org);
  }

  private scheduleSave(org: EmulatedOrg): void {
    if (!this.dataDir || this.stopped || this.saveTimers.has(org.name)) return;
    this.saveTimers.set(
      org.name,
      setTimeout(() => {
        this.saveTimers.delete(org.name);
        this.save(org);
      }, 500).unref(),
    );
  }

  private save(org: EmulatedOrg): void {
    const file = snapshotFile(this.dataDir!, org.name);
    writeFileSync(`${file}.tmp`, JSON.stringify(org.snapshot()));
    renameSync(`${file}.tmp`, file);
  }
}

function snapshotFile(dataDir: string, org: string): string {
  return join(dataDir, `${org}.json`);
}

function loadSnapshot(dataDir: string, org: string): OrgSnapshot | undefined {
  const file = snapshotFile(dataDir, org);
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `${file} is not a readable emulator snapshot (${(err as Error).message}); move it away to start this org empty`,
    );
  }
  try {
    return JSON.parse(text) as OrgSnapshot;
  } catch {
    // A snapshot holds records and credentials: V8's message would quote them around the mistake.
    throw new Error(
      `${file} is not a readable emulator snapshot (not valid JSON: ${jsonSyntaxError(text)}); move it away to start this org empty`,
    );
  }
}

/** The emulator cannot start as configured; the message says what to change. */
export class EmulatorStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorStartError';
  }
}

function startError(err: unknown, host: string): unknown {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE') {
    return new EmulatorStartError(
      `port ${e.port ?? ''} on ${host} is already in use; choose another port or leave it out to take free ports`,
    );
  }
  if (e.code === 'EADDRNOTAVAIL') {
    return new EmulatorStartError(`${host} is not an address of this machine; choose another --host`);
  }
  if (e.code === 'EACCES') {
    return new EmulatorStartError(`no permission to listen on ${host}:${e.port ?? ''}; choose a port above 1023`);
  }
  if (typeof e.code === 'string' && e.code.startsWith('ERR_OSSL')) {
    return new EmulatorStartError(
      `the TLS certificate and key cannot be used together (${e.message}); give a matching PEM certificate and key`,
    );
  }
  return err;
}

/** A data directory that cannot be used; says which and why. */
export class DataDirectoryError extends EmulatorStartError {
  constructor(
    readonly directory: string,
    reason: string,
  ) {
    super(`cannot use ${directory} as the emulator's data directory (${reason}); choose a writable directory`);
  }
}

/**
 * Creates a directory and its missing parents one level at a time: `mkdirSync(…, {recursive: true})`
 * never returns on some pseudo file systems (/proc), where this fails at once.
 */
function ensureDirectory(directory: string): void {
  const path = resolve(directory);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new DataDirectoryError(directory, 'it is a file');
    return;
  }
  const parent = dirname(path);
  if (parent !== path) ensureDirectory(parent);
  try {
    mkdirSync(path);
  } catch (err) {
    throw new DataDirectoryError(directory, (err as NodeJS.ErrnoException).code ?? String(err));
  }
}
