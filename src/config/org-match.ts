import { ENV_NAMES, EnvironmentConfig, EnvName, SfetlConfig } from './sfetl-config';

/** An org as far as it is known: where its API is, and its id when known. */
export interface OrgReference {
  /** The org's instance URL. */
  readonly instanceUrl: string;
  /** The org's id (`00D…`, 15 or 18 characters); undefined when not known. */
  readonly orgId?: string;
}

/** An environment whose configured org is a given org, and the setting that says so. */
export interface OrgMatch {
  readonly env: EnvironmentConfig;
  /** `orgId`: both name the same org id; `instanceUrl`: both name the same instance. */
  readonly by: 'orgId' | 'instanceUrl';
}

/**
 * Whether two URLs name the same instance: same scheme, host (case-insensitive) and port, the default port
 * of the scheme counting as given. Paths do not matter: an org's API lives at the root of its host.
 */
export function sameInstance(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return x.protocol === y.protocol && x.host.toLowerCase() === y.host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Whether two org ids name the same org. The 18-character id is the 15-character one plus a suffix that
 * only encodes its letter case, so the first 15 characters decide, case-sensitively.
 */
export function sameOrgId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

/**
 * The environments other than `except` whose configured org is `org`: the same pinned org id, or the same
 * instance. Matches by org id come first (the stronger evidence), then configuration order.
 */
export function environmentsOfOrg(config: SfetlConfig, org: OrgReference, except: EnvName): OrgMatch[] {
  const matches: OrgMatch[] = [];
  for (const name of ENV_NAMES) {
    const env = config.environments[name];
    if (name === except) continue;
    if (env.orgId !== undefined && org.orgId !== undefined && sameOrgId(env.orgId, org.orgId)) {
      matches.push({ env, by: 'orgId' });
    } else if (sameInstance(env.instanceUrl, org.instanceUrl)) {
      matches.push({ env, by: 'instanceUrl' });
    }
  }
  return [...matches.filter((m) => m.by === 'orgId'), ...matches.filter((m) => m.by === 'instanceUrl')];
}

/** The protected environments other than `env` whose configured org is the one `env` is configured with. */
export function protectedTwins(config: SfetlConfig, env: EnvironmentConfig): OrgMatch[] {
  return environmentsOfOrg(config, env, env.name).filter((m) => m.env.protected);
}
