import { GetObjectCommand } from '@aws-sdk/client-s3';
import { contactsWithBadRows } from '../support/contact-data';
import { sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/**
 * DESIGN.md §2.5 / §3 "the org you named", issue 15: a config whose dev entry carries prod's login URL and
 * secret used to load `--env dev` into prod, without --confirm-env, with a manifest saying dev.
 */
describe('sfetl load loads only the org the environment names', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start();
  });
  afterAll(() => stack?.stop());
  beforeEach(() => stack.resetOrgs());

  /**
   * The stack's config loading 20 Contacts from a file of the test's own (a file loaded once counts as
   * loaded for that env), with dev's entry changed.
   */
  async function configWithDev(
    name: string,
    change: (dev: Record<string, any>, prod: Record<string, any>) => void,
  ): Promise<string> {
    const source = await stack.putSource(`pinning/${name}.csv`, contactsWithBadRows(20, {}, '', `${name}-`).csv);
    return stack.configWith(`${name}.yaml`, (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
      change(c.environments.dev, c.environments.prod);
    });
  }

  /** `sfetl load` as a person runs it: exit code, the one line on stderr, the JSON events. */
  async function load(config: string, ...args: string[]) {
    const result = await sfetlInProcess(['load', '--config', config, '--output', 'json', ...args]);
    return { code: result.code, err: result.err, events: result.json };
  }

  /** Nothing happened in any org, and no lease or manifest was written. */
  async function expectNothingLoaded(runId: string): Promise<void> {
    for (const env of ['dev', 'qa', 'uat', 'prod']) expect(await stack.jobCount(env)).toBe(0);
    expect(await stack.logKeys('_sfetl/locks/')).toEqual([]);
    expect(await stack.logKeys(`_sfetl/runs/${runId}/`)).toEqual([]);
    expect(await stack.logKeys(`success/Contact/run_id=${runId}/`)).toEqual([]);
  }

  function expectOneLine(err: string): void {
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    for (const org of Object.values(stack.description.orgs)) expect(err).not.toContain(org.clientSecret);
  }

  async function manifest(runId: string, env: string): Promise<Record<string, any>> {
    const out = await stack.aws.s3.send(
      new GetObjectCommand({ Bucket: stack.description.buckets.logs, Key: `_sfetl/runs/${runId}/${env}/Contact.json` }),
    );
    return JSON.parse(await out.Body!.transformToString()) as Record<string, any>;
  }

  test("dev's entry with prod's loginUrl and secret: exit 1 naming prod, no job in any org, no lease", async () => {
    const { prod } = stack.description.orgs;
    const config = await configWithDev('dev-with-prod-login', (dev, p) => {
      dev.loginUrl = p.loginUrl;
      dev.auth = { ...dev.auth, secretId: p.auth.secretId };
    });
    const result = await load(config, '--env', 'dev', '--run-id', 'pin-1');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `sfetl load: the credentials of dev (secret sfetl/prod) log in to ${prod!.instanceUrl}, org ${prod!.orgId}, ` +
        `which is the configured org of prod, not dev's (${stack.description.orgs.dev!.instanceUrl}); nothing was loaded: ` +
        'fix environments.dev.loginUrl / auth.secretId, or run with --env prod --confirm-env prod\n',
    );
    expectOneLine(result.err);
    expect(result.events.map((e) => e.event)).not.toContain('run-started');
    await expectNothingLoaded('pin-1');
  });

  test("dev's entry with prod's instanceUrl too: protected as prod, exit 1 without --confirm-env prod", async () => {
    const config = await configWithDev('dev-is-prod', (dev, p) => {
      Object.assign(dev, { instanceUrl: p.instanceUrl, loginUrl: p.loginUrl, orgId: p.orgId });
      dev.auth = { ...dev.auth, secretId: p.auth.secretId };
    });
    for (const confirm of [[], ['--confirm-env', 'dev']]) {
      const result = await load(config, '--env', 'dev', '--run-id', 'pin-2', ...confirm);
      expect(result.code).toBe(1);
      expect(result.err).toContain(
        `dev is configured with the org of prod (the same orgId ${stack.description.orgs.prod!.orgId}), and prod is protected: run again with --confirm-env prod`,
      );
      expectOneLine(result.err);
    }
    await expectNothingLoaded('pin-2');

    // Confirmed as prod's org, it loads there, and the manifest says which org that was.
    const confirmed = await load(config, '--env', 'dev', '--confirm-env', 'prod', '--run-id', 'pin-2');
    expect(confirmed.err).toBe('');
    expect(confirmed.code).toBe(0);
    expect(await stack.jobCount('prod')).toBeGreaterThan(0);
    expect(await stack.jobCount('dev')).toBe(0);
    expect(await manifest('pin-2', 'dev')).toMatchObject({
      env: 'dev',
      instanceUrl: stack.description.orgs.prod!.instanceUrl,
      orgId: stack.description.orgs.prod!.orgId,
    });

    // The same file, once dev's configuration is dev's own org again: it was never loaded into that org, so
    // the ledger of the load into prod's org under the env name dev does not make it skip.
    const fixed = stack.configWith('dev-is-dev-again.yaml', (c) => {
      c.objects = [
        {
          name: 'Contact',
          source: `s3://${stack.description.buckets.source}/pinning/dev-is-prod.csv`,
          operation: 'insert',
          loadOrder: 1,
        },
      ];
    });
    const again = await load(fixed, '--env', 'dev', '--run-id', 'pin-2b');
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
    expect(again.events.filter((e) => e.event === 'file-skipped')).toEqual([]);
    expect(await stack.jobCount('dev')).toBeGreaterThan(0);
    // And loaded into dev's org now, the next run skips it there.
    const third = await load(fixed, '--env', 'dev', '--run-id', 'pin-2c');
    expect(third.events.filter((e) => e.event === 'file-skipped')).toHaveLength(1);
  });

  test("prod's instanceUrl but dev's own orgId still pinned: protected first, and confirmed it is still refused", async () => {
    const config = await configWithDev('dev-half-prod', (dev, p) => {
      Object.assign(dev, { instanceUrl: p.instanceUrl, loginUrl: p.loginUrl });
      dev.auth = { ...dev.auth, secretId: p.auth.secretId };
    });
    const unconfirmed = await load(config, '--env', 'dev', '--run-id', 'pin-3');
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.err).toContain(
      `dev is configured with the org of prod (the same instanceUrl ${stack.description.orgs.prod!.instanceUrl}), and prod is protected`,
    );
    const confirmed = await load(config, '--env', 'dev', '--confirm-env', 'prod', '--run-id', 'pin-3');
    expect(confirmed.code).toBe(1);
    expect(confirmed.err).toContain(
      `, which is the configured org of prod, not dev's (org ${stack.description.orgs.dev!.orgId}); nothing was loaded`,
    );
    await expectNothingLoaded('pin-3');
  });

  test('a pinned orgId that is not the org the credentials log in to: exit 1, no job', async () => {
    const { qa } = stack.description.orgs;
    const config = await configWithDev('dev-pinned-to-qa', (dev) => (dev.orgId = qa!.orgId));
    const result = await load(config, '--env', 'dev', '--run-id', 'pin-4');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `sfetl load: the credentials of dev (secret sfetl/dev) log in to ${stack.description.orgs.dev!.instanceUrl}, ` +
        `org ${stack.description.orgs.dev!.orgId}, not dev's configured org (org ${qa!.orgId}) nor any other environment's; ` +
        'nothing was loaded: fix environments.dev.loginUrl / auth.secretId, or environments.dev.instanceUrl / orgId if the org moved\n',
    );
    await expectNothingLoaded('pin-4');
  });

  test.each([
    ['18', (id: string) => id],
    ['15', (id: string) => id.slice(0, 15)],
  ])('the right orgId (%s characters) loads, and the manifest records the org it loaded', async (_, form) => {
    const { dev } = stack.description.orgs;
    const config = await configWithDev(`dev-pinned-${_}`, (d) => (d.orgId = form(dev!.orgId)));
    const result = await load(config, '--env', 'dev', '--run-id', `pin-ok-${_}`);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(await stack.jobCount('dev')).toBe(1);
    expect(await stack.jobCount('prod')).toBe(0);
    expect(await manifest(`pin-ok-${_}`, 'dev')).toMatchObject({
      env: 'dev',
      instanceUrl: dev!.instanceUrl,
      orgId: dev!.orgId,
      rowsRead: 20,
      success: 20,
    });
  });
});
