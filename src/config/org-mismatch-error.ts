import { configMessages } from './config-messages';
import { OrgMismatchErrorProps, OrgMismatchProblem } from './org-check-findings';
import { EnvName } from './sfetl-config';

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
