import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

/** One check of the conformance suite: what the emulator answers, what the target answered. */
export interface ConformanceCheck {
  readonly name: string;
  /** What the emulator answers (the suite's expectation, sourced in docs/emulator.md). */
  readonly emulator: unknown;
  /** What the target answered; undefined when the check was not run. */
  readonly target?: unknown;
  /** Why the check was not run (a real org without the settings it needs). */
  readonly notRun?: string;
}

/** Options of a ConformanceReport. */
export interface ConformanceReportProps {
  /** Against the emulator every check must hold; against a real org a difference is reported, not failed. */
  readonly target: 'emulator' | 'org';
  /** Where the report is written as JSON (beside what the suite prints). */
  readonly file: string;
}

/**
 * The conformance suite's record: against the emulator it asserts each check (the emulator must answer as
 * its sources say); against a real org it keeps the org's answers and, at the end, prints and writes which
 * checks the org answered differently from the emulator. That list is how a user verifies the emulator's
 * claims on their own sandbox.
 */
export class ConformanceReport {
  private readonly checks: ConformanceCheck[] = [];
  /** Commands that ended with a non-zero status, with the CLI's message: what to read when a check differs. */
  private readonly failedCommands: { readonly command: string; readonly message: string }[] = [];

  constructor(private readonly props: ConformanceReportProps) {}

  /** Records a check; against the emulator, fails the test unless `observed` equals `emulator`. */
  check(name: string, observed: unknown, emulator: unknown): void {
    this.checks.push({ name, emulator, target: observed });
    if (this.props.target === 'emulator') expect({ [name]: observed }).toEqual({ [name]: emulator });
  }

  /** Records a command that ended with a non-zero status (some checks expect one: the report shows why). */
  commandFailed(command: string, message: string): void {
    this.failedCommands.push({ command, message });
  }

  /** Records a check that could not run against this target, and why. */
  skip(name: string, emulator: unknown, why: string): void {
    this.checks.push({ name, emulator, notRun: why });
  }

  /** The checks the target answered differently from the emulator. */
  differences(): ConformanceCheck[] {
    return this.checks.filter((c) => c.notRun === undefined && !isDeepStrictEqual(c.target, c.emulator));
  }

  /** Writes the report and prints a summary to stderr (what a person running `npm run test:conformance` reads). */
  finish(): void {
    const differences = this.differences();
    mkdirSync(dirname(this.props.file), { recursive: true });
    writeFileSync(
      this.props.file,
      JSON.stringify(
        { target: this.props.target, checks: this.checks, differences, failedCommands: this.failedCommands },
        null,
        2,
      ) + '\n',
    );
    if (this.props.target === 'emulator') return;
    const lines = [
      '',
      `conformance against a real org: ${this.checks.length} checks, ${differences.length} answered differently from the emulator, ` +
        `${this.checks.filter((c) => c.notRun !== undefined).length} not run (report: ${this.props.file})`,
    ];
    for (const c of differences) {
      lines.push(
        `  DIFFERENT  ${c.name}`,
        `    emulator: ${JSON.stringify(c.emulator)}`,
        `    real org: ${JSON.stringify(c.target)}`,
      );
    }
    for (const c of this.checks.filter((x) => x.notRun !== undefined)) {
      lines.push(`  NOT RUN    ${c.name}: ${c.notRun}`);
    }
    process.stderr.write(lines.join('\n') + '\n');
  }
}
