// How the Glue runner's JavaScript is bundled, in one place: build-runner-bundle.ts writes it into the bundle,
// test/cli/runner-bundle.test.ts reads its metafile, test/bench/load.bench.ts times the bundled runner.
import { join, resolve } from 'node:path';
import { build, Metafile } from 'esbuild';

export const REPO_ROOT = resolve(__dirname, '..');

/** The runner's entry point: only the commands Glue runs (load, logs). */
export const RUNNER_ENTRY = join(REPO_ROOT, 'src', 'cli', 'runner-entry.ts');

/** What the runner bundle must never contain: development parts, not what Glue runs (docs/architecture.md). */
export const NOT_IN_RUNNER: readonly RegExp[] = [
  /^packages\/emulator\//,
  /^src\/emulator\//,
  /^src\/local-parts\//,
  /^src\/demo\//,
  /^src\/cli\/(demo|emulator|publish|stack)-command\.ts$/,
  /^src\/cli\/main\.ts$/,
];

export interface RunnerJsOptions {
  /** The entry point. @default RUNNER_ENTRY */
  readonly entry?: string;
  /** Where runner.js is written; its source map goes next to it. */
  readonly outfile: string;
  /** Write the files (false: only compute the metafile). @default true */
  readonly write?: boolean;
}

/** Bundles the runner with esbuild; returns esbuild's metafile (inputs are paths relative to the repo root). */
export async function buildRunnerJs(options: RunnerJsOptions): Promise<Metafile> {
  // The DuckDB binding's .node file is loaded by require() at run time from node_modules/ next to runner.js;
  // its other platforms' packages are never required on linux-x64.
  const result = await build({
    entryPoints: [options.entry ?? RUNNER_ENTRY],
    outfile: options.outfile,
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: false,
    keepNames: false,
    sourcemap: 'linked',
    sourcesContent: false,
    external: ['@duckdb/node-bindings-*'],
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
    write: options.write ?? true,
  });
  return result.metafile;
}

/** The metafile's input files that the runner must not contain. */
export function forbiddenRunnerInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).filter((input) => NOT_IN_RUNNER.some((pattern) => pattern.test(input)));
}
