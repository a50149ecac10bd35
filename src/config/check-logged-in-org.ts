import { environmentsOfOrg, OrgReference, protectedTwins, sameInstance, sameOrgId } from './org-match';
import { OrgMismatchError } from './org-mismatch-error';
import { ProtectedOrgError } from './protected-org-error';
import { EnvironmentConfig, SfetlConfig } from './sfetl-config';

export interface CheckLoggedInOrgProps {
  readonly config: SfetlConfig;
  /** The environment `--env` chose (selectEnvironment). */
  readonly env: EnvironmentConfig;
  /** The value of `--confirm-env`; undefined when not given. */
  readonly confirmEnv: string | undefined;
  /** The org the credentials logged in to, as the token response named it. */
  readonly org: OrgReference;
  /** Where the credentials came from (the secret id, or `file:<path>`), to name in a message. Never a value. */
  readonly secret: string;
}

/**
 * "The org you named" (DESIGN.md §2.5): after login, before any lease or job, the token's org must be the
 * org configured for the environment, and an org that is a protected environment's is protected.
 *
 * - the token's instance URL must be `instanceUrl` (scheme, host and port);
 * - a pinned `orgId` must be the org id of the token's identity URL (first 15 characters), and a token
 *   without one cannot be checked, so it is refused too;
 * - credentials that lead to the org of another, protected environment (same instance or pinned org id) need
 *   `--confirm-env` naming that environment, unless `--env` is protected itself (it was confirmed already).
 *
 * @throws OrgMismatchError when the org is not the configured one; it names the environment whose it is
 * @throws ProtectedOrgError when the org is a protected environment's and `--confirm-env` does not name it
 */
export function checkLoggedInOrg(props: CheckLoggedInOrgProps): void {
  const { config, env, confirmEnv, org, secret } = props;
  const mismatch = (problem: 'instance' | 'org-id' | 'no-identity', expected: string) => {
    const other = environmentsOfOrg(config, org, env.name)[0]?.env;
    return new OrgMismatchError({
      problem,
      env: env.name,
      secret,
      instanceUrl: org.instanceUrl,
      orgId: org.orgId,
      expected,
      configuredOrgOf: other && { name: other.name, protected: other.protected },
    });
  };
  if (!sameInstance(org.instanceUrl, env.instanceUrl)) throw mismatch('instance', env.instanceUrl);
  if (env.orgId !== undefined) {
    if (org.orgId === undefined) throw mismatch('no-identity', env.orgId);
    if (!sameOrgId(org.orgId, env.orgId)) throw mismatch('org-id', env.orgId);
  }
  if (env.protected) return;
  const owners = environmentsOfOrg(config, org, env.name).filter((m) => m.env.protected);
  if (owners.length === 0 || owners.some((m) => m.env.name === confirmEnv)) return;
  const configured = new Set(protectedTwins(config, env).map((m) => m.env.name));
  throw new ProtectedOrgError({
    env: env.name,
    confirmEnv,
    protectedEnv: owners[0]!.env.name,
    evidence: {
      found: 'logged-in',
      secret,
      instanceUrl: org.instanceUrl,
      orgId: org.orgId,
      confirmable: configured.has(owners[0]!.env.name),
    },
  });
}
