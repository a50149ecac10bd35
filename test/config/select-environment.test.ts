import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  EnvironmentSelectionError,
  parseConfig,
  ProtectedEnvironmentError,
  selectEnvironment,
  SfetlConfig,
} from '../../src/config';

/** valid.yaml: prod protected by default, uat protected by the file. */
const CONFIG = parseConfig(
  parseYaml(readFileSync(join(__dirname, '..', 'fixtures', 'config', 'valid.yaml'), 'utf8')),
  'valid.yaml',
  { env: {} },
);

function selectionError(name: string | undefined, confirmEnv: string | undefined, config: SfetlConfig = CONFIG) {
  try {
    selectEnvironment(config, name, confirmEnv);
  } catch (err) {
    if (err instanceof EnvironmentSelectionError) return err;
    throw err;
  }
  throw new Error(`expected --env ${name} --confirm-env ${confirmEnv} to be refused`);
}

describe('an environment that may run', () => {
  test('--env qa chooses the qa org', () => {
    expect(selectEnvironment(CONFIG, 'qa', undefined)).toBe(CONFIG.environments.qa);
  });

  test('--confirm-env naming the same unprotected env is accepted', () => {
    expect(selectEnvironment(CONFIG, 'dev', 'dev')).toBe(CONFIG.environments.dev);
  });

  test.each(['prod', 'uat'])('a protected env (%s) runs with --confirm-env naming it', (env) => {
    expect(selectEnvironment(CONFIG, env, env).name).toBe(env);
  });

  test('prod runs without --confirm-env when the file sets protected: false', () => {
    const config = {
      ...CONFIG,
      environments: { ...CONFIG.environments, prod: { ...CONFIG.environments.prod, protected: false } },
    };
    expect(selectEnvironment(config, 'prod', undefined).name).toBe('prod');
  });
});

describe('an environment that may not run', () => {
  test('no --env: the choices', () => {
    const err = selectionError(undefined, undefined);
    expect(err.message).toBe('no environment chosen; run again with --env <dev|qa|uat|prod>');
    expect(err).toMatchObject({ problem: 'missing', env: undefined, available: ['dev', 'qa', 'uat', 'prod'] });
  });

  test('a near miss gets "did you mean"', () => {
    const err = selectionError('production', undefined);
    expect(err.message).toBe('unknown environment "production"; did you mean --env prod? (dev, qa, uat, prod)');
    expect(err).toMatchObject({ problem: 'unknown', env: 'production', suggestion: 'prod' });
  });

  test('names are exact: Prod is refused with a suggestion', () => {
    expect(selectionError('Prod', 'Prod').message).toBe(
      'unknown environment "Prod"; did you mean --env prod? (dev, qa, uat, prod)',
    );
  });

  test('a name near none of the four', () => {
    const err = selectionError('staging', undefined);
    expect(err.message).toBe('unknown environment "staging"; run again with --env <dev|qa|uat|prod>');
    expect(err.suggestion).toBeUndefined();
  });

  test('prod without --confirm-env', () => {
    const err = selectionError('prod', undefined);
    expect(err).toBeInstanceOf(ProtectedEnvironmentError);
    expect(err.message).toBe('prod is protected: run again with --confirm-env prod');
    expect(err).toMatchObject({ problem: 'protected', env: 'prod', confirmEnv: undefined });
  });

  test('an env the file protects (uat) without --confirm-env', () => {
    const err = selectionError('uat', undefined);
    expect(err).toBeInstanceOf(ProtectedEnvironmentError);
    expect(err.message).toBe('uat is protected: run again with --confirm-env uat');
  });

  test('prod with --confirm-env naming another env', () => {
    const err = selectionError('prod', 'qa');
    expect(err).toBeInstanceOf(ProtectedEnvironmentError);
    expect(err.message).toBe(
      '--confirm-env qa does not match --env prod; prod is protected: run again with --confirm-env prod',
    );
    expect(err).toMatchObject({ problem: 'protected', env: 'prod', confirmEnv: 'qa' });
  });

  test('an unprotected env with --confirm-env naming another env: the operator meant another org', () => {
    const err = selectionError('dev', 'prod');
    expect(err).not.toBeInstanceOf(ProtectedEnvironmentError);
    expect(err.message).toBe(
      '--confirm-env prod does not match --env dev; run again with --confirm-env dev, or without --confirm-env',
    );
    expect(err).toMatchObject({ problem: 'confirmation-mismatch', env: 'dev', confirmEnv: 'prod' });
  });
});
