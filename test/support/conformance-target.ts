import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SF_CLI_RUN } from './sf-cli';
import { OrgEmulator } from '../../packages/emulator/src';

const REPO_ROOT = resolve(__dirname, '../..');
const JWT_DIR = join(REPO_ROOT, 'packages', 'emulator', 'test', 'fixtures', 'jwt');
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');

/** The JWT bearer login of the target's connected app. */
export interface JwtLogin {
  readonly clientId: string;
  readonly username: string;
  readonly keyFile: string;
  /** The URL `sf org login jwt --instance-url` is given (the token endpoint's base). */
  readonly loginUrl: string;
}

/**
 * What the conformance suite runs against: the org emulator (started here, in process) or a real org named
 * by environment variables (README, docs/emulator.md "Against a real org"):
 *
 * - `SFETL_CONFORMANCE_ORG`: an alias or username the `sf` CLI is already logged in to (its token is read
 *   with `sf org display`), or `SFETL_CONFORMANCE_INSTANCE_URL` + `SFETL_CONFORMANCE_ACCESS_TOKEN`;
 * - optional `SFETL_CONFORMANCE_CLIENT_ID`, `SFETL_CONFORMANCE_USERNAME`, `SFETL_CONFORMANCE_JWT_KEY_FILE`
 *   (and `SFETL_CONFORMANCE_LOGIN_URL`, default https://test.salesforce.com) for the JWT login check;
 * - optional `SFETL_CONFORMANCE_EXTERNAL_ID_FIELD`: a Contact External ID text field for the upsert checks.
 */
export class ConformanceTarget {
  /** The target from the environment: a real org when one is named, otherwise a new emulator. */
  static async fromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<ConformanceTarget> {
    const marker = `SfetlConf${randomBytes(4).toString('hex')}`;
    if (env.SFETL_CONFORMANCE_ORG) {
      const display = JSON.parse(
        execFileSync(NODE, [SF_CLI_RUN, 'org', 'display', '--target-org', env.SFETL_CONFORMANCE_ORG, '--json'], {
          encoding: 'utf8',
        }),
      ) as { result: { instanceUrl: string; accessToken: string } };
      return new ConformanceTarget('org', display.result.instanceUrl, display.result.accessToken, marker, env);
    }
    if (env.SFETL_CONFORMANCE_INSTANCE_URL || env.SFETL_CONFORMANCE_ACCESS_TOKEN) {
      if (!env.SFETL_CONFORMANCE_INSTANCE_URL || !env.SFETL_CONFORMANCE_ACCESS_TOKEN) {
        throw new Error(
          'set both SFETL_CONFORMANCE_INSTANCE_URL and SFETL_CONFORMANCE_ACCESS_TOKEN (or SFETL_CONFORMANCE_ORG, an sf alias)',
        );
      }
      return new ConformanceTarget(
        'org',
        env.SFETL_CONFORMANCE_INSTANCE_URL.replace(/\/+$/, ''),
        env.SFETL_CONFORMANCE_ACCESS_TOKEN,
        marker,
        env,
      );
    }
    const emulator = await OrgEmulator.start({
      orgs: [{ name: 'conformance', jwtCertificate: readFileSync(join(JWT_DIR, 'jwt-cert.pem'), 'utf8') }],
    });
    const org = emulator.orgs.conformance!;
    const response = await fetch(`${org.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: org.clientId,
        client_secret: org.clientSecret,
      }),
    });
    const token = ((await response.json()) as { access_token: string }).access_token;
    const target = new ConformanceTarget('emulator', org.instanceUrl, token, marker, {
      SFETL_CONFORMANCE_CLIENT_ID: org.clientId,
      SFETL_CONFORMANCE_USERNAME: org.username,
      SFETL_CONFORMANCE_JWT_KEY_FILE: join(JWT_DIR, 'jwt-key.pem'),
      SFETL_CONFORMANCE_LOGIN_URL: org.loginUrl,
      SFETL_CONFORMANCE_EXTERNAL_ID_FIELD: 'Ext_Id__c',
    });
    target.emulator = emulator;
    return target;
  }

  private emulator?: OrgEmulator;
  /** The JWT login check's settings, when the target has them. */
  readonly jwt?: JwtLogin;
  /** A Contact External ID field for the upsert checks, when the target has one. */
  readonly externalIdField?: string;

  private constructor(
    readonly kind: 'emulator' | 'org',
    readonly instanceUrl: string,
    readonly accessToken: string,
    /** Every record the suite creates has a name starting with this; the clean-up deletes those. */
    readonly marker: string,
    env: NodeJS.ProcessEnv,
  ) {
    if (env.SFETL_CONFORMANCE_CLIENT_ID && env.SFETL_CONFORMANCE_USERNAME && env.SFETL_CONFORMANCE_JWT_KEY_FILE) {
      this.jwt = {
        clientId: env.SFETL_CONFORMANCE_CLIENT_ID,
        username: env.SFETL_CONFORMANCE_USERNAME,
        keyFile: resolve(env.SFETL_CONFORMANCE_JWT_KEY_FILE),
        loginUrl: env.SFETL_CONFORMANCE_LOGIN_URL ?? 'https://test.salesforce.com',
      };
    }
    this.externalIdField = env.SFETL_CONFORMANCE_EXTERNAL_ID_FIELD || undefined;
  }

  /** A REST call with the target's token under `/services/data/v66.0`; the status and JSON body. */
  async rest(path: string, init: { method?: string } = {}): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.instanceUrl}/services/data/v66.0${path}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${this.accessToken}` },
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  /** `GET /services/oauth2/userinfo` with the target's token: the user the CLI should find. */
  async userInfo(): Promise<{ preferred_username: string; organization_id: string }> {
    const response = await fetch(`${this.instanceUrl}/services/oauth2/userinfo`, {
      headers: { Authorization: `Bearer ${this.accessToken}` },
    });
    return (await response.json()) as { preferred_username: string; organization_id: string };
  }

  /**
   * Deletes every record the suite made (names starting with the marker), then stops the emulator. Against a
   * real org through sObject Collections (`DELETE …/composite/sobjects`, 200 ids a call); the emulator is
   * simply stopped.
   */
  async cleanUp(): Promise<void> {
    if (this.emulator) {
      await this.emulator.stop();
      return;
    }
    for (const soql of [
      `SELECT Id FROM Contact WHERE LastName LIKE '${this.marker}%'`,
      `SELECT Id FROM Account WHERE Name LIKE '${this.marker}%'`,
    ]) {
      const found = await this.rest(`/query?q=${encodeURIComponent(soql)}`);
      const ids = ((found.body?.records ?? []) as { Id: string }[]).map((r) => r.Id);
      for (let i = 0; i < ids.length; i += 200) {
        const batch = ids.slice(i, i + 200).join(',');
        await this.rest(`/composite/sobjects?ids=${batch}&allOrNone=false`, { method: 'DELETE' });
      }
    }
  }
}
