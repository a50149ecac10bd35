import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OrgConfig } from '../src/emulated-org';
import { EmulatorConfigError, loadEmulatorConfig } from '../src/emulator-config';

const FIXTURES = join(__dirname, 'fixtures', 'config-unit');
const fixture = (name: string) => join(FIXTURES, name);

/** One org of a configuration file, as the emulator would start it. */
function org(file: string, name: string): OrgConfig {
  const found = loadEmulatorConfig(file).orgs?.find((o) => typeof o !== 'string' && o.name === name);
  if (!found || typeof found === 'string') throw new Error(`no org ${name} in ${file}`);
  return found;
}

function configError(file: string): EmulatorConfigError {
  try {
    loadEmulatorConfig(file);
  } catch (err) {
    if (err instanceof EmulatorConfigError) return err;
    throw err;
  }
  throw new Error(`expected ${file} to be rejected`);
}

describe('a valid configuration', () => {
  test('YAML: an org without settings gets only its name', () => {
    expect(org(fixture('good.yaml'), 'dev')).toEqual({ name: 'dev' });
  });

  test('YAML: org settings and faults are kept with their types', () => {
    expect(org(fixture('good.yaml'), 'prod')).toMatchObject({
      name: 'prod',
      port: 8443,
      clientId: 'prod-client',
      clientSecret: 'prod-secret',
      username: 'etl@prod.example.com',
      jwtAudiences: ['https://login.example.org'],
      sessionSeconds: 900,
      recordsPerSecond: 5000,
      dailyRecordLimit: 1_000_000,
      hardDeleteAllowed: false,
      faults: { http5xxRate: 0.05, rateLimitBursts: { every: 100, length: 2 }, seed: 7 },
    });
  });

  test('YAML: jwtCertificateFile is read, relative to the configuration file, into jwtCertificate', () => {
    const prod = org(fixture('good.yaml'), 'prod');
    expect(prod.jwtCertificate).toBe(readFileSync(fixture('jwt-public.pem'), 'utf8'));
    expect(prod).not.toHaveProperty('jwtCertificateFile');
  });

  test('YAML: objectDirs and dataDir are resolved relative to the configuration file; host is kept', () => {
    const config = loadEmulatorConfig(fixture('good.yaml'));
    expect(config).toMatchObject({ objectDirs: [fixture('objects')], dataDir: fixture('data'), host: '0.0.0.0' });
  });

  test('JSON: orgs with their settings and faults', () => {
    expect(loadEmulatorConfig(fixture('good.json'))).toEqual({
      orgs: [
        { name: 'qa', allowUsernamePassword: true, password: 'secret', maxApiVersion: 62 },
        { name: 'uat', faults: { rowLockRate: 0.01, failJobAfterRecords: 500, failJobsCount: 1 } },
      ],
    });
  });
});

describe('a configuration with a mistake', () => {
  test('an unknown top-level key is named with the allowed ones', () => {
    const file = fixture('unknown-top-level-key.yaml');
    const err = configError(file);
    expect(err.file).toBe(file);
    expect(err.message).toBe(`${file}: unknown key "org-dirs"; allowed: orgs, objectDirs, dataDir, host`);
  });

  test('an unknown org key is named with its org and the allowed settings', () => {
    const file = fixture('unknown-org-key.json');
    expect(configError(file).message).toMatch(
      new RegExp(`^${escape(file)}: orgs\\.dev\\.prot is not a setting; allowed: port, clientId, .*, maxApiVersion$`),
    );
  });

  test('an org key named like a member of every JavaScript object is an unknown setting too', () => {
    const file = fixture('prototype-org-key.json');
    expect(configError(file).message).toMatch(
      new RegExp(
        `^${escape(file)}: orgs\\.dev\\.constructor is not a setting; allowed: port, clientId, .*, maxApiVersion$`,
      ),
    );
  });

  test('a value of the wrong type is named with the type it must have', () => {
    const file = fixture('wrong-type.yaml');
    expect(configError(file).message).toBe(`${file}: orgs.prod.port must be a number`);
  });

  test('a bad fault value is named with its org and the rule', () => {
    const file = fixture('bad-fault.yaml');
    expect(configError(file).message).toBe(`${file}: orgs.dev.faults: http5xxRate must be a number between 0 and 1`);
  });

  test('an unknown fault is named with its org', () => {
    const file = fixture('unknown-fault.json');
    expect(configError(file).message).toMatch(
      new RegExp(`^${escape(file)}: orgs\\.dev\\.faults: unknown fault "http500Rate"; known: `),
    );
  });

  test('a file that is not YAML says so', () => {
    const file = fixture('not-yaml.yaml');
    expect(configError(file).message).toMatch(new RegExp(`^${escape(file)}: cannot be read as YAML \\(`));
  });

  test('a JSON syntax error gives the line and column, never the text around it (client secrets live here)', () => {
    const file = fixture('broken-secret.json');
    expect(configError(file).message).toBe(
      `${file}: cannot be read as JSON (at line 3, column 51, ',' or '}' is expected after the value)`,
    );
  });

  test('a missing file is reported as unreadable', () => {
    const file = fixture('no-such-file.json');
    expect(configError(file).message).toMatch(new RegExp(`^${escape(file)}: cannot be read as JSON \\(.*ENOENT`));
  });

  test('a configuration without orgs says what orgs must look like', () => {
    const file = fixture('no-orgs.json');
    expect(configError(file).message).toBe(
      `${file}: "orgs" must map org names to their settings, e.g. {"dev": {}, "prod": {"port": 8443}}`,
    );
  });

  test('a jwtCertificateFile that cannot be read is named', () => {
    const file = fixture('missing-certificate.yaml');
    expect(configError(file).message).toMatch(
      new RegExp(`^${escape(file)}: orgs\\.prod\\.jwtCertificateFile: .*ENOENT`),
    );
  });

  test('objectDirs that is not a list is named', () => {
    const file = fixture('bad-object-dirs.json');
    expect(configError(file).message).toBe(`${file}: "objectDirs" must be a list of directories`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
