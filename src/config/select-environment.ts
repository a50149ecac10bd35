import { closestMatch } from './closest-match';
import { configMessages as m } from './config-messages';
import { EnvironmentSelectionError } from './environment-selection-error';
import { protectedTwins } from './org-match';
import { ProtectedEnvironmentError } from './protected-environment-error';
import { ProtectedOrgError } from './protected-org-error';
import { ENV_NAMES, EnvironmentConfig, EnvName, SfetlConfig } from './sfetl-config';

/**
 * The environment `--env` names, checked against `--confirm-env`.
 *
 * - `--env` is required and must be exactly one of dev, qa, uat, prod (a near miss gets "did you mean").
 * - A protected environment runs only when `--confirm-env` names it too.
 * - An environment configured with a protected environment's org (the same instanceUrl, or the same pinned
 *   orgId) is that org: it runs only when `--confirm-env` names the protected environment. After login,
 *   checkLoggedInOrg applies the same rule to the org the credentials actually lead to.
 * - A `--confirm-env` that names another environment is refused for any environment: it says the
 *   operator meant a different org than the one the command would load.
 *
 * @throws ProtectedEnvironmentError for a protected environment without a matching --confirm-env
 * @throws ProtectedOrgError for an environment configured with a protected environment's org, without
 *   --confirm-env naming that environment
 * @throws EnvironmentSelectionError for a missing or unknown --env, or a --confirm-env naming another env
 */
export function selectEnvironment(
  config: SfetlConfig,
  name: string | undefined,
  confirmEnv: string | undefined,
): EnvironmentConfig {
  const available = ENV_NAMES;
  if (name === undefined || name === '') {
    throw new EnvironmentSelectionError(m.envMissing(available), {
      problem: 'missing',
      env: name,
      confirmEnv,
      available,
    });
  }
  if (!isEnvName(name)) {
    const suggestion = closestMatch(name, available) as EnvName | undefined;
    throw new EnvironmentSelectionError(m.envUnknown(name, suggestion, available), {
      problem: 'unknown',
      env: name,
      confirmEnv,
      available,
      suggestion,
    });
  }
  const environment = config.environments[name];
  if (environment.protected && confirmEnv !== name) throw new ProtectedEnvironmentError(name, confirmEnv);
  const twins = environment.protected ? [] : protectedTwins(config, environment);
  if (twins.length > 0) {
    if (twins.some((t) => t.env.name === confirmEnv)) return environment;
    const { env: owner, by } = twins[0]!;
    throw new ProtectedOrgError({
      env: name,
      confirmEnv,
      protectedEnv: owner.name,
      evidence: { found: 'configured', by, value: by === 'orgId' ? environment.orgId! : environment.instanceUrl },
    });
  }
  if (confirmEnv !== undefined && confirmEnv !== name) {
    throw new EnvironmentSelectionError(m.envConfirmMismatch(name, confirmEnv), {
      problem: 'confirmation-mismatch',
      env: name,
      confirmEnv,
      available,
    });
  }
  return environment;
}

function isEnvName(name: string): name is EnvName {
  return (ENV_NAMES as readonly string[]).includes(name);
}
