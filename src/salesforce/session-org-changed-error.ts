import { OrgIdentity } from './org-identity';

/**
 * A session renewed in the middle of a run (the first one expired) belongs to another org than the one the
 * run checked after its first login: the run stops before another call goes there. Exit 1.
 */
export class SessionOrgChangedError extends Error {
  constructor(
    readonly loginUrl: string,
    readonly checked: OrgIdentity,
    readonly renewed: OrgIdentity,
  ) {
    super(
      `a renewed session from ${loginUrl} belongs to ${describe(renewed)}, not to ${describe(checked)} that this run ` +
        `checked and loads into; the run stops: check the environment's secret and loginUrl, then run again (a rerun resumes)`,
    );
    this.name = 'SessionOrgChangedError';
  }
}

function describe(org: OrgIdentity): string {
  return `${org.instanceUrl}${org.orgId ? ` (org ${org.orgId})` : ''}`;
}
