import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { OrgConfig } from './emulated-org';
import { FaultConfigError, parseFaultConfig } from './fault-injector';
import { OrgEmulatorOptions } from './org-emulator';
import { jsonSyntaxError, yamlSyntaxError } from '../../syntax-errors/src';

/** A mistake in an emulator configuration file; names the file, the key and the fix. */
export class EmulatorConfigError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'EmulatorConfigError';
  }
}

/** An org's settings and their JSON types; a Map, so that a key such as `constructor` is an unknown setting. */
const ORG_KEYS: ReadonlyMap<string, 'string' | 'number' | 'boolean' | 'object' | 'array'> = new Map([
  ['port', 'number'],
  ['clientId', 'string'],
  ['clientSecret', 'string'],
  ['username', 'string'],
  ['password', 'string'],
  ['allowUsernamePassword', 'boolean'],
  ['jwtCertificate', 'string'],
  ['jwtCertificateFile', 'string'],
  ['jwtAudiences', 'array'],
  ['refreshToken', 'string'],
  ['sessionSeconds', 'number'],
  ['faults', 'object'],
  ['recordsPerSecond', 'number'],
  ['dailyRecordLimit', 'number'],
  ['hardDeleteAllowed', 'boolean'],
  ['minApiVersion', 'number'],
  ['maxApiVersion', 'number'],
] as const);

/**
 * Reads an emulator configuration (JSON or YAML):
 * `{ orgs: { <name>: { port?, faults?, jwtCertificateFile?, ... } }, objectDirs?, dataDir?, host? }`.
 * Relative paths are relative to the file.
 */
export function loadEmulatorConfig(file: string): OrgEmulatorOptions {
  const yaml = /\.ya?ml$/i.test(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EmulatorConfigError(file, `cannot be read as ${yaml ? 'YAML' : 'JSON'} (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    // Parser messages quote the text around a mistake, and this file holds client secrets and passwords: the
    // place and kind of the mistake are told instead, and YAML warnings (which print the line) are off.
    raw = yaml ? parseYaml(text, { logLevel: 'error' }) : JSON.parse(text);
  } catch (err) {
    throw new EmulatorConfigError(
      file,
      `cannot be read as ${yaml ? 'YAML' : 'JSON'} (${yaml ? yamlSyntaxError(err) : jsonSyntaxError(text)})`,
    );
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new EmulatorConfigError(file, 'must be an object with "orgs"');
  }
  const config = raw as Record<string, unknown>;
  const base = dirname(resolve(file));
  for (const key of Object.keys(config)) {
    if (!['orgs', 'objectDirs', 'dataDir', 'host'].includes(key)) {
      throw new EmulatorConfigError(file, `unknown key "${key}"; allowed: orgs, objectDirs, dataDir, host`);
    }
  }
  const orgsRaw = config.orgs;
  if (!orgsRaw || typeof orgsRaw !== 'object' || Array.isArray(orgsRaw)) {
    throw new EmulatorConfigError(
      file,
      '"orgs" must map org names to their settings, e.g. {"dev": {}, "prod": {"port": 8443}}',
    );
  }
  const orgs: OrgConfig[] = Object.entries(orgsRaw as Record<string, unknown>).map(([name, value]) => {
    const org = (value ?? {}) as Record<string, unknown>;
    if (typeof org !== 'object' || Array.isArray(org)) {
      throw new EmulatorConfigError(file, `orgs.${name} must be an object`);
    }
    for (const [key, v] of Object.entries(org)) {
      const type = ORG_KEYS.get(key);
      if (!type) {
        throw new EmulatorConfigError(
          file,
          `orgs.${name}.${key} is not a setting; allowed: ${[...ORG_KEYS.keys()].join(', ')}`,
        );
      }
      const actual = Array.isArray(v) ? 'array' : typeof v;
      if (actual !== type) throw new EmulatorConfigError(file, `orgs.${name}.${key} must be a ${type}`);
    }
    let faults;
    try {
      faults = org.faults === undefined ? undefined : parseFaultConfig(org.faults);
    } catch (err) {
      if (err instanceof FaultConfigError) throw new EmulatorConfigError(file, `orgs.${name}.faults: ${err.message}`);
      throw err;
    }
    const { jwtCertificateFile, ...rest } = org;
    let jwtCertificate = rest.jwtCertificate as string | undefined;
    if (typeof jwtCertificateFile === 'string') {
      try {
        jwtCertificate = readFileSync(resolve(base, jwtCertificateFile), 'utf8');
      } catch (err) {
        throw new EmulatorConfigError(file, `orgs.${name}.jwtCertificateFile: ${(err as Error).message}`);
      }
    }
    return { ...(rest as Partial<OrgConfig>), name, faults, jwtCertificate };
  });
  const objectDirs = config.objectDirs;
  if (objectDirs !== undefined && !(Array.isArray(objectDirs) && objectDirs.every((d) => typeof d === 'string'))) {
    throw new EmulatorConfigError(file, '"objectDirs" must be a list of directories');
  }
  return {
    orgs,
    objectDirs: (objectDirs as string[] | undefined)?.map((d) => resolve(base, d)),
    dataDir: typeof config.dataDir === 'string' ? resolve(base, config.dataDir) : undefined,
    host: typeof config.host === 'string' ? config.host : undefined,
  };
}
