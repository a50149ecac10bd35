import { configMessages } from './config-messages';
import { EnvironmentSelectionError } from './environment-selection-error';
import { ProtectedOrgErrorProps, ProtectedOrgEvidence } from './org-check-findings';
import { ENV_NAMES, EnvName } from './sfetl-config';

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
