import { configMessages } from './config-messages';
import { EnvironmentSelectionError } from './environment-selection-error';
import { ENV_NAMES, EnvName } from './sfetl-config';

/**
 * A protected environment (prod by default) was chosen without `--confirm-env` naming it.
 * A kind of {@link EnvironmentSelectionError}; ends the command with exit 1 before anything is sent.
 */
export class ProtectedEnvironmentError extends EnvironmentSelectionError {
  /** The protected environment that was chosen. */
  declare readonly env: EnvName;

  constructor(env: EnvName, confirmEnv: string | undefined) {
    super(
      confirmEnv === undefined
        ? configMessages.envProtected(env)
        : configMessages.envProtectedMismatch(env, confirmEnv),
      { problem: 'protected', env, confirmEnv, available: ENV_NAMES },
    );
    this.name = 'ProtectedEnvironmentError';
  }
}
