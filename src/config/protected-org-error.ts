import { configMessages } from './config-messages';
import { EnvironmentSelectionError } from './environment-selection-error';
import { ENV_NAMES, EnvName } from './sfetl-config';

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

/**
 * An environment leads to a protected environment's org, and `--confirm-env` does not name that protected
 * environment: the org is protected whatever the environment is called (DESIGN.md §2.5). Exit 1, before
 * anything is loaded.
 */
export class ProtectedOrgError extends EnvironmentSelectionError {
  declare readonly env: EnvName;
  /** The protected environment whose org it is; `--confirm-env` must name it. */
  readonly protectedEnv: EnvName;
  readonly evidence: ProtectedOrgEvidence;

  constructor(props: ProtectedOrgErrorProps) {
    super(configMessages.protectedOrg(props), {
      problem: 'protected',
      env: props.env,
      confirmEnv: props.confirmEnv,
      available: ENV_NAMES,
    });
    this.name = 'ProtectedOrgError';
    this.protectedEnv = props.protectedEnv;
    this.evidence = props.evidence;
  }
}
