import { configMessages } from './config-messages';
import { EnvName } from './sfetl-config';

/** What did not match: the instance URL, the pinned org id, or no org id to compare with. */
export type OrgMismatchProblem = 'instance' | 'org-id' | 'no-identity';

export interface OrgMismatchErrorProps {
  readonly problem: OrgMismatchProblem;
  /** The environment `--env` named. */
  readonly env: EnvName;
  /** Where its credentials came from: the secret id, or `file:<path>` for --secret-file. */
  readonly secret: string;
  /** The instance URL the token response named. */
  readonly instanceUrl: string;
  /** The org id the token's identity URL named; undefined when it named none. */
  readonly orgId?: string;
  /** What the configuration expected: environments.<env>.instanceUrl, or .orgId. */
  readonly expected: string;
  /** Another environment whose configured org the credentials lead to. @default none */
  readonly configuredOrgOf?: { readonly name: EnvName; readonly protected: boolean };
}

/**
 * The credentials of an environment log in to another org than the one configured for it (DESIGN.md §2.5,
 * "the org you named"): nothing may be loaded. Exit 1, before any lease or job.
 */
export class OrgMismatchError extends Error {
  readonly problem: OrgMismatchProblem;
  readonly env: EnvName;
  readonly secret: string;
  readonly instanceUrl: string;
  readonly orgId: string | undefined;
  readonly expected: string;
  readonly configuredOrgOf: { readonly name: EnvName; readonly protected: boolean } | undefined;

  constructor(props: OrgMismatchErrorProps) {
    super(configMessages.orgMismatch(props));
    this.name = 'OrgMismatchError';
    this.problem = props.problem;
    this.env = props.env;
    this.secret = props.secret;
    this.instanceUrl = props.instanceUrl;
    this.orgId = props.orgId;
    this.expected = props.expected;
    this.configuredOrgOf = props.configuredOrgOf;
  }
}
