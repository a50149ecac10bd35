// What the check of the logged-in org found (check-logged-in-org.ts): the details of OrgMismatchError and
// ProtectedOrgError, in a module of their own so that the errors and their messages (config-messages.ts) both
// import them without importing each other.
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

/** How the protected env's org was recognised: by the configuration, or by the token after login. */
export type ProtectedOrgEvidence =
  | {
      readonly found: 'configured';
      /** The setting both environments share. */
      readonly by: 'instanceUrl' | 'orgId';
      /** Its value. */
      readonly value: string;
    }
  | {
      readonly found: 'logged-in';
      /** Where the credentials came from: the secret id, or `file:<path>`. */
      readonly secret: string;
      /** The instance URL the token named. */
      readonly instanceUrl: string;
      /** The org id the token named, if any. */
      readonly orgId?: string;
      /**
       * Whether `--confirm-env <protectedEnv>` would be accepted: only when the configuration itself says the
       * two share the org (same instanceUrl or orgId); otherwise `env` must be pinned to that org first.
       */
      readonly confirmable: boolean;
    };

export interface ProtectedOrgErrorProps {
  /** The environment `--env` named (not protected itself). */
  readonly env: EnvName;
  /** The value of `--confirm-env` as given; undefined when it was not. */
  readonly confirmEnv: string | undefined;
  /** The protected environment whose org `env` leads to. */
  readonly protectedEnv: EnvName;
  readonly evidence: ProtectedOrgEvidence;
}
