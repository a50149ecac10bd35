import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');
/** Where `npm run setup:sf-cli` (build-tools/setup-sf-cli.sh) installs Salesforce's CLI. */
export const SF_CLI_RUN = join(REPO_ROOT, '.sfetl', 'sf-cli', 'node_modules', '@salesforce', 'cli', 'bin', 'run.js');
/** @salesforce/cli 2.x needs Node ≥ 22: the project's own (the `node` devDependency). */
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const COMMAND_TIMEOUT_MS = 180_000;

/** What one `sf … --json` printed and how it ended. */
export interface SfResult {
  readonly code: number | null;
  /** The JSON document `--json` prints: `{status, result}` or `{status, name, message, data}` on an error. */
  readonly json: Record<string, any>;
  readonly stderr: string;
}

/** Options of an SfCli. */
export interface SfCliProps {
  /** HOME of every command: the CLI keeps its config, aliases and tokens there; a temp dir per suite. */
  readonly home: string;
  /**
   * Extra environment of every command (e.g. NODE_EXTRA_CA_CERTS for an org served over HTTPS with a test certificate).
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Salesforce's CLI as a client under test: each command a process of its own, with a HOME of its own and
 * nothing sent anywhere else: telemetry, auto-update and the new-version check off, per Salesforce's "Salesforce
 * CLI Environment Variables" (https://developer.salesforce.com/docs/atlas.en-us.sfdx_setup.meta/sfdx_setup/sfdx_setup_sf_env_vars.htm)
 * and "Disable Salesforce CLI Data Collection and Metrics".
 */
export class SfCli {
  constructor(private readonly props: SfCliProps) {
    if (!existsSync(SF_CLI_RUN)) {
      throw new Error(
        `Salesforce's CLI is not installed at ${SF_CLI_RUN}; run \`npm run setup:sf-cli\` (npm test does)`,
      );
    }
  }

  /** Runs `sf <args> --json` in `cwd`; never throws for a non-zero exit (the answer is what is tested). */
  run(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<SfResult> {
    const child = spawn(NODE, [SF_CLI_RUN, ...args, '--json'], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: this.props.home,
        XDG_CONFIG_HOME: join(this.props.home, '.config'),
        XDG_DATA_HOME: join(this.props.home, '.local', 'share'),
        XDG_CACHE_HOME: join(this.props.home, '.cache'),
        SF_DISABLE_TELEMETRY: 'true',
        SFDX_DISABLE_TELEMETRY: 'true',
        SF_AUTOUPDATE_DISABLE: 'true',
        SF_DISABLE_AUTOUPDATE: 'true',
        SF_SKIP_NEW_VERSION_CHECK: 'true',
        SF_HIDE_RELEASE_NOTES: 'true',
        SF_HIDE_RELEASE_NOTES_FOOTER: 'true',
        // No OS keychain in a test: the CLI's generic keychain file under HOME.
        SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
        SF_DISABLE_LOG_FILE: 'true',
        ...this.props.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`sf ${args.join(' ')} did not end within ${COMMAND_TIMEOUT_MS} ms; stderr: ${stderr}`));
      }, COMMAND_TIMEOUT_MS);
      child.once('close', (code) => {
        clearTimeout(timer);
        let json: Record<string, any>;
        try {
          json = JSON.parse(stdout) as Record<string, any>;
        } catch {
          fail(new Error(`sf ${args.join(' ')} printed no JSON (exit ${code}): ${stdout}\n${stderr}`));
          return;
        }
        done({ code, json, stderr });
      });
    });
  }
}
