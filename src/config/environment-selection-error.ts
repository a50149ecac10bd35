import { EnvName } from './sfetl-config';

/** Why `--env` / `--confirm-env` could not choose an environment. */
export type EnvironmentSelectionProblem = 'missing' | 'unknown' | 'confirmation-mismatch' | 'protected';

export interface EnvironmentSelectionErrorProps {
  readonly problem: EnvironmentSelectionProblem;
  /** The value of `--env` as given; undefined when it was not. */
  readonly env: string | undefined;
  /** The value of `--confirm-env` as given; undefined when it was not. */
  readonly confirmEnv: string | undefined;
  /** The environments the configuration defines. */
  readonly available: readonly EnvName[];
  /** The environment a mistyped `--env` most likely meant. @default undefined */
  readonly suggestion?: EnvName;
}

/** `--env` is missing or unknown, or `--confirm-env` names another environment. Ends the command with exit 1. */
export class EnvironmentSelectionError extends Error {
  readonly problem: EnvironmentSelectionProblem;
  readonly env: string | undefined;
  readonly confirmEnv: string | undefined;
  readonly available: readonly EnvName[];
  readonly suggestion: EnvName | undefined;

  constructor(message: string, props: EnvironmentSelectionErrorProps) {
    super(message);
    this.name = 'EnvironmentSelectionError';
    this.problem = props.problem;
    this.env = props.env;
    this.confirmEnv = props.confirmEnv;
    this.available = props.available;
    this.suggestion = props.suggestion;
  }
}
