import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metafile } from 'esbuild';
import { buildRunnerJs, forbiddenRunnerInputs, REPO_ROOT } from '../../build-tools/runner-esbuild';

// The Glue runner bundle holds only what Glue runs (docs/glue.md, docs/architecture.md): esbuild's metafile
// lists every file that went into runner.js.
let dir: string;
let metafile: Metafile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sfetl-runner-js-'));
  metafile = await buildRunnerJs({ outfile: join(dir, 'runner.js') });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runner(...args: string[]) {
  return spawnSync(process.execPath, [join(dir, 'runner.js'), ...args], {
    encoding: 'utf8',
    // DuckDB's native binding sits beside runner.js in the bundle; here it is the repo's.
    env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') },
  });
}

test('runner.js bundles the load and logs commands and the runtime parts they use', () => {
  const inputs = Object.keys(metafile.inputs);
  for (const file of [
    'src/cli/runner-entry.ts',
    'src/cli/load-command.ts',
    'src/cli/logs-command.ts',
    'src/pipeline/load-run.ts',
    'src/catalog/local-log-query.ts',
  ]) {
    expect(inputs).toContain(file);
  }
});

test('runner.js holds no file of the emulator, the local parts, the demo or the other commands', () => {
  expect(forbiddenRunnerInputs(metafile)).toEqual([]);
});

test('an entry that imports the emulator is caught by the same check', async () => {
  const leaky = join(dir, 'leaky-entry.ts');
  writeFileSync(leaky, `import { run } from ${JSON.stringify(join(REPO_ROOT, 'src', 'cli', 'main'))};\nvoid run;\n`);
  const leakyMeta = await buildRunnerJs({ entry: leaky, outfile: join(dir, 'leaky.js'), write: false });
  const forbidden = forbiddenRunnerInputs(leakyMeta);
  expect(forbidden).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^packages\/emulator\/src\/org-emulator\.ts$|^src\/emulator\/org-emulator\.ts$/),
      'src/local-parts/local-parts.ts',
      'src/demo/sample-data.ts',
      'src/cli/publish-command.ts',
    ]),
  );
});

test('runner.js runs: help lists load and logs, a development command is refused with what to do', () => {
  const help = runner('help');
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^ {2}load /m);
  expect(help.stdout).toMatch(/^ {2}logs /m);
  expect(help.stdout).not.toMatch(/^ {2}(demo|emulator|stack|publish) /m);
  const emulator = runner('emulator');
  expect(emulator.status).toBe(1);
  expect(emulator.stderr).toBe(
    'sfetl emulator: unknown command "emulator": the Glue runner bundle runs only load and logs; ' +
      'run the other commands from a clone (npx sfetl)\n',
  );
});
