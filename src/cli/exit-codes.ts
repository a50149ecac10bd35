/** Exit codes of `sfetl` (DESIGN.md §2.4). */
export const ExitCode = {
  /** Done; failure rate within the configured threshold. */
  OK: 0,
  /** Fatal: configuration, authentication, preflight, infrastructure. */
  FATAL: 1,
  /** Loaded, but the failure rate is above the threshold. */
  FAILURE_RATE: 2,
  /** Input rows != success rows + failure rows. */
  RECONCILIATION: 3,
  /** Another run holds the lock. */
  LOCKED: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the command with its exit code and one line saying what to do. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.FATAL,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
