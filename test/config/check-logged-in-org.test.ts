import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  checkLoggedInOrg,
  EnvironmentSelectionError,
  OrgMismatchError,
  OrgReference,
  parseConfig,
  ProtectedOrgError,
  selectEnvironment,
  SfetlConfig,
} from '../../src/config';

/** The four orgs of test/fixtures/config/orgs.yaml: instance URLs with ports, dev and prod pinned (18 and 15 characters). */
const DEV = { instanceUrl: 'https://acme--dev.sandbox.my.salesforce.com:8443', orgId: '00D0R000000DevAAAE' };
const QA = { instanceUrl: 'https://acme--qa.sandbox.my.salesforce.com', orgId: '00D0R000000QaZZAAQ' };
const PROD = { instanceUrl: 'https://acme.my.salesforce.com', orgId: '00D0R000000PrdA' };

/** orgs.yaml with one change. */
function config(change: (doc: any) => void = () => undefined): SfetlConfig {
  const doc = parseYaml(readFileSync(join(__dirname, '..', 'fixtures', 'config', 'orgs.yaml'), 'utf8'));
  change(doc);
  return parseConfig(doc, 'orgs.yaml', { env: {} });
}

/** The error checkLoggedInOrg throws for `env`'s credentials logging in to `org`, or undefined when it passes. */
function check(
  cfg: SfetlConfig,
  env: 'dev' | 'qa' | 'uat' | 'prod',
  org: OrgReference,
  confirmEnv?: string,
  secret = `sfetl/${env}`,
) {
  try {
    checkLoggedInOrg({ config: cfg, env: cfg.environments[env], confirmEnv, org, secret });
    return undefined;
  } catch (err) {
    if (err instanceof OrgMismatchError || err instanceof ProtectedOrgError) return err;
    throw err;
  }
}

describe('the token names the configured org: the load goes on', () => {
  test('same instance and org id', () => {
    expect(check(config(), 'dev', DEV)).toBeUndefined();
  });

  test('the host in another letter case, a trailing slash, a path: same instance', () => {
    expect(
      check(config(), 'dev', { ...DEV, instanceUrl: 'https://ACME--Dev.Sandbox.My.Salesforce.com:8443/' }),
    ).toBeUndefined();
  });

  test('https on its default port, written or not: same instance', () => {
    expect(
      check(config(), 'prod', { ...PROD, instanceUrl: 'https://acme.my.salesforce.com:443' }, 'prod'),
    ).toBeUndefined();
  });

  test('the pinned 15-character id and the token’s 18-character id of the same org', () => {
    // prod pins 00D0R000000PrdA (15); the token's identity URL has the 18-character form.
    expect(check(config(), 'prod', { ...PROD, orgId: '00D0R000000PrdAAAC' }, 'prod')).toBeUndefined();
  });

  test('the pinned 18-character id and a 15-character id in the token', () => {
    expect(check(config(), 'dev', { ...DEV, orgId: '00D0R000000DevA' })).toBeUndefined();
  });

  test('no org id pinned and none in the token: the instance decides', () => {
    expect(
      check(config(), 'uat', { instanceUrl: 'https://acme--uat.sandbox.my.salesforce.com' }, 'uat'),
    ).toBeUndefined();
  });
});

describe('the token names another org: nothing is loaded, and the message says whose org it is', () => {
  test('another host: the configured org of prod (protected), so the fix names --confirm-env prod', () => {
    const err = check(config(), 'dev', PROD, undefined, 'sfetl/prod');
    expect(err).toBeInstanceOf(OrgMismatchError);
    expect(err!.message).toBe(
      'the credentials of dev (secret sfetl/prod) log in to https://acme.my.salesforce.com, org 00D0R000000PrdA, ' +
        "which is the configured org of prod, not dev's (https://acme--dev.sandbox.my.salesforce.com:8443); nothing was loaded: " +
        'fix environments.dev.loginUrl / auth.secretId, or run with --env prod --confirm-env prod',
    );
    expect(err).toMatchObject({ problem: 'instance', env: 'dev', configuredOrgOf: { name: 'prod', protected: true } });
  });

  test('an unprotected env’s org: the fix names --env without --confirm-env', () => {
    const err = check(config(), 'dev', QA);
    expect(err!.message).toContain('which is the configured org of qa, not dev');
    expect(err!.message).toMatch(/, or run with --env qa$/);
  });

  test('the same host on another port is another instance', () => {
    const err = check(config(), 'dev', { ...DEV, instanceUrl: 'https://acme--dev.sandbox.my.salesforce.com:9443' });
    expect(err).toBeInstanceOf(OrgMismatchError);
    expect(err!.message).toBe(
      'the credentials of dev (secret sfetl/dev) log in to https://acme--dev.sandbox.my.salesforce.com:9443, org 00D0R000000DevAAAE, ' +
        "not dev's configured org (https://acme--dev.sandbox.my.salesforce.com:8443) nor any other environment's; nothing was loaded: " +
        'fix environments.dev.loginUrl / auth.secretId, or environments.dev.instanceUrl / orgId if the org moved',
    );
  });

  test('the same host over http is another instance', () => {
    const err = check(config(), 'dev', { ...DEV, instanceUrl: 'http://acme--dev.sandbox.my.salesforce.com:8443' });
    expect(err).toMatchObject({ problem: 'instance' });
  });

  test('the right instance but another org id than the pinned one (18-character token, 18-character pin)', () => {
    const err = check(config(), 'dev', { ...DEV, orgId: '00D0R000000QaZZAAQ' });
    expect(err).toBeInstanceOf(OrgMismatchError);
    expect(err!.message).toBe(
      'the credentials of dev (secret sfetl/dev) log in to https://acme--dev.sandbox.my.salesforce.com:8443, org 00D0R000000QaZZAAQ, ' +
        "which is the configured org of qa, not dev's (org 00D0R000000DevAAAE); nothing was loaded: " +
        'fix environments.dev.loginUrl / auth.secretId, or run with --env qa',
    );
    expect(err).toMatchObject({ problem: 'org-id', expected: '00D0R000000DevAAAE' });
  });

  test('org ids differ in letter case only within the first 15 characters: another org (15 vs 18)', () => {
    // prod pins 00D0R000000PrdA; 00D0R000000PRDA… is another org: the 15-character id is case-sensitive.
    const err = check(config(), 'prod', { ...PROD, orgId: '00D0R000000PRDAAAA' }, 'prod');
    expect(err).toMatchObject({
      problem: 'org-id',
      env: 'prod',
      orgId: '00D0R000000PRDAAAA',
      expected: '00D0R000000PrdA',
    });
  });

  test('an org id pinned but no identity URL in the token: it cannot be checked, so it is refused', () => {
    const err = check(config(), 'dev', { instanceUrl: DEV.instanceUrl });
    expect(err).toBeInstanceOf(OrgMismatchError);
    expect(err!.message).toBe(
      'the token response for dev (secret sfetl/dev, https://acme--dev.sandbox.my.salesforce.com:8443) carries no identity URL (id) ' +
        'naming an org, so it cannot be checked against environments.dev.orgId 00D0R000000DevAAAE; nothing was loaded: ' +
        'check environments.dev.loginUrl and auth.secretId, or remove environments.dev.orgId',
    );
    expect(err).toMatchObject({ problem: 'no-identity' });
  });

  test('the secret named is --secret-file’s, and no credential value is in the message', () => {
    const err = check(config(), 'dev', PROD, undefined, 'file:/home/me/prod-secret.json');
    expect(err!.message).toContain('the credentials of dev (secret file:/home/me/prod-secret.json) log in to');
  });
});

describe("an env whose credentials lead to a protected env's org is protected too", () => {
  /** dev configured with prod's instance URL (and not pinned): the configuration says it is prod's org. */
  const devIsProd = () =>
    config((d) => {
      d.environments.dev.instanceUrl = PROD.instanceUrl;
      delete d.environments.dev.orgId;
    });

  test('known from the configuration (same instanceUrl): refused before login without --confirm-env prod', () => {
    const cfg = devIsProd();
    let err: unknown;
    try {
      selectEnvironment(cfg, 'dev', undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtectedOrgError);
    expect(err).toBeInstanceOf(EnvironmentSelectionError);
    expect((err as Error).message).toBe(
      'dev is configured with the org of prod (the same instanceUrl https://acme.my.salesforce.com), and prod is protected: run again with --confirm-env prod',
    );
    expect(err).toMatchObject({ problem: 'protected', env: 'dev', protectedEnv: 'prod' });
  });

  test('--confirm-env dev does not confirm prod’s org', () => {
    expect(() => selectEnvironment(devIsProd(), 'dev', 'dev')).toThrow(
      '--confirm-env dev does not confirm it: dev is configured with the org of prod (the same instanceUrl https://acme.my.salesforce.com), and prod is protected: run again with --confirm-env prod',
    );
  });

  test('with --confirm-env prod it runs, and the logged-in check passes too', () => {
    const cfg = devIsProd();
    expect(selectEnvironment(cfg, 'dev', 'prod').name).toBe('dev');
    expect(check(cfg, 'dev', PROD, 'prod', 'sfetl/prod')).toBeUndefined();
  });

  test('the same pinned orgId as prod: refused before login, the message names the org id', () => {
    const cfg = config((d) => {
      d.environments.dev.instanceUrl = 'https://acme--legacy.my.salesforce.com';
      d.environments.dev.orgId = '00D0R000000PrdAAAC';
    });
    expect(() => selectEnvironment(cfg, 'dev', undefined)).toThrow(
      'dev is configured with the org of prod (the same orgId 00D0R000000PrdAAAC), and prod is protected: run again with --confirm-env prod',
    );
    expect(selectEnvironment(cfg, 'dev', 'prod').name).toBe('dev');
  });

  test('known only after login (dev not pinned, its token names prod’s pinned org id): refused, even with --confirm-env prod', () => {
    const cfg = config((d) => {
      d.environments.dev.instanceUrl = 'https://acme--legacy.my.salesforce.com';
      delete d.environments.dev.orgId;
    });
    const org = { instanceUrl: 'https://acme--legacy.my.salesforce.com', orgId: '00D0R000000PrdAAAC' };
    const err = check(cfg, 'dev', org);
    expect(err).toBeInstanceOf(ProtectedOrgError);
    expect(err!.message).toBe(
      'the credentials of dev (secret sfetl/dev) log in to https://acme--legacy.my.salesforce.com, org 00D0R000000PrdAAAC, ' +
        'which is the configured org of prod, and prod is protected; nothing was loaded: fix environments.dev.loginUrl / auth.secretId, ' +
        'or run with --env prod --confirm-env prod (if dev is meant to load that org, set environments.dev.orgId: 00D0R000000PrdAAAC ' +
        'and run with --confirm-env prod)',
    );
    // --confirm-env prod cannot confirm it yet: nothing in the configuration says dev is prod's org.
    expect(() => selectEnvironment(cfg, 'dev', 'prod')).toThrow('--confirm-env prod does not match --env dev');
    // Following that advice: pinned, dev is prod's org by configuration, and --confirm-env prod lets it run.
    const pinned = config((d) => {
      d.environments.dev.instanceUrl = 'https://acme--legacy.my.salesforce.com';
      d.environments.dev.orgId = '00D0R000000PrdAAAC';
    });
    expect(selectEnvironment(pinned, 'dev', 'prod').name).toBe('dev');
    expect(check(pinned, 'dev', org, 'prod')).toBeUndefined();
  });

  test('prod itself, confirmed as prod, is not asked to confirm anything else', () => {
    expect(check(config(), 'prod', PROD, 'prod')).toBeUndefined();
  });

  test('an unprotected env sharing an unprotected env’s org needs no confirmation', () => {
    const cfg = config((d) => {
      d.environments.dev.instanceUrl = QA.instanceUrl;
      delete d.environments.dev.orgId;
    });
    expect(selectEnvironment(cfg, 'dev', undefined).name).toBe('dev');
    expect(check(cfg, 'dev', { instanceUrl: QA.instanceUrl, orgId: QA.orgId })).toBeUndefined();
  });
});
