import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { run } from '../../src/cli/main';
import { Capture } from '../support/stack';

/**
 * Names that reach S3 keys, Glue partitions and messages: an object, an env, a run id. Each hostile value
 * is refused where it enters (the configuration or the command line) before anything is read from AWS, and
 * the message repeats it in a form that cannot break the line or act on a terminal.
 */
const HOSTILE: readonly [string, string][] = [
  ['path traversal', '../x'],
  ['a slash', 'a/b'],
  ['a dot-dot segment', '..'],
  ['an encoded slash', 'Contact%2F'],
  ['a NUL', 'Con\u0000tact'],
  ['a line break', 'Contact\nexit 0'],
  ['a terminal escape', 'Con\u001b[2Jtact'],
  ['a right-to-left override', 'Con\u202etact'],
  ['SQL injection', "x'; DROP TABLE t; --"],
  ['a double quote', '"'],
  ['a partition-like value', 'env=prod'],
  ['a very long value', 'A'.repeat(5_000)],
];

/** Nothing a terminal acts on but the line breaks that end the message lines. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex

const dir = mkdtempSync(join(tmpdir(), 'sfetl-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** minimal.yaml (no AWS endpoint: any call to AWS would fail the test with another message) with a change. */
function config(change: (doc: Record<string, any>) => void = () => undefined): string {
  const doc = parseYaml(readFileSync(join(__dirname, '../fixtures/config/minimal.yaml'), 'utf8')) as Record<
    string,
    any
  >;
  change(doc);
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, toYaml(doc));
  return path;
}

async function load(args: readonly string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const out = new Capture();
  const err = new Capture();
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => err.stream.write(chunk)) as typeof process.stderr.write;
  try {
    const code = await run(['load', '--output', 'json', ...args], out.stream);
    return { code, stderr: err.text, stdout: out.text };
  } finally {
    process.stderr.write = write;
  }
}

/** The message is short, free of control characters, and shows the value escaped and cut. */
function expectSafe(stderr: string, lines: number): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.split('\n')).toHaveLength(lines + 1);
  expect(stderr).not.toMatch(CONTROL);
  expect(stderr.length).toBeLessThan(600);
  expect(stderr).not.toContain('unexpected error');
}

describe('hostile names are refused where they enter, with a clear one-line message', () => {
  test.each(HOSTILE)('--run-id with %s', async (_, value) => {
    const result = await load(['--config', config(), '--env', 'dev', '--run-id', value]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^sfetl load: run id ".*" is not usable in S3 paths; use letters, digits, "\.", "_" and "-" \(at most 128 characters\)\n$/,
    );
    expectSafe(result.stderr, 1);
    expect(result.stdout).toBe('');
  });

  test.each(HOSTILE)('--env with %s', async (_, value) => {
    const result = await load(['--config', config(), '--env', value]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sfetl load: unknown environment ".*"; (run again with --env|did you mean --env)/);
    expectSafe(result.stderr, 1);
  });

  test.each(HOSTILE)('--confirm-env with %s', async (_, value) => {
    const result = await load(['--config', config(), '--env', 'dev', '--confirm-env', value]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^sfetl load: --confirm-env .* does not match --env dev; run again with --confirm-env dev/,
    );
    expectSafe(result.stderr, 1);
  });

  test.each(HOSTILE)('--object with %s', async (_, value) => {
    const result = await load(['--config', config(), '--env', 'dev', '--object', value]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sfetl load: --object .* is not configured; configured objects: Account\n$/);
    expectSafe(result.stderr, 1);
  });

  test.each(HOSTILE)('objects[].name in the configuration with %s', async (_, value) => {
    const path = config((doc) => (doc.objects[0].name = value));
    const result = await load(['--config', path, '--env', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      value.length > 80
        ? /objects\[0\]\.name: is 5,000 characters long, more than any sObject API name \(at most 80, namespace and suffix included\)/
        : /objects\[0\]\.name: ".*" is not an API name; use the name as Salesforce spells it/,
    );
    expect(result.stderr).toContain(`fix ${path} and run again`);
    expectSafe(result.stderr, 2);
  });

  test('an environment name in the configuration other than the four is refused', async () => {
    const path = config((doc) => (doc.environments['../prod'] = doc.environments.prod));
    const result = await load(['--config', path, '--env', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'environments["../prod"]: "../prod" is not an environment; use one of dev, qa, uat, prod',
    );
  });

  test('control characters and long values are shown escaped and cut, not as they are', async () => {
    const escaped = await load(['--config', config(), '--env', 'Con\u001b[2Jtact\nnext']);
    expect(escaped.stderr).toContain('unknown environment "Con\\u001b[2Jtact\\u000anext"');
    const long = await load(['--config', config(), '--env', 'dev', '--run-id', 'A'.repeat(5_000)]);
    expect(long.stderr).toContain(`run id "${'A'.repeat(80)}… (5,000 characters)" is not usable in S3 paths`);
  });

  describe.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    '%s, a name every JavaScript object carries, is a name like any other',
    (name) => {
      test('as a command', async () => {
        const err = new Capture();
        const write = process.stderr.write.bind(process.stderr);
        process.stderr.write = ((chunk: string | Uint8Array) => err.stream.write(chunk)) as typeof process.stderr.write;
        let code: number;
        try {
          code = await run([name], new Capture().stream);
        } finally {
          process.stderr.write = write;
        }
        expect(code).toBe(1);
        expect(err.text).toBe(`sfetl ${name}: unknown command "${name}"; run "sfetl help" to see the commands\n`);
      });

      test('as --env and --object', async () => {
        const env = await load(['--config', config(), '--env', name]);
        expect(env.code).toBe(1);
        expect(env.stderr).toMatch(new RegExp(`^sfetl load: unknown environment "${name}"; `));
        expectSafe(env.stderr, 1);
        const object = await load(['--config', config(), '--env', 'dev', '--object', name]);
        expect(object.code).toBe(1);
        expect(object.stderr).toBe(`sfetl load: --object ${name} is not configured; configured objects: Account\n`);
      });
    },
  );

  test('well-formed names still pass: the refusals above are not over-broad', async () => {
    // No AWS endpoint and no credentials: getting as far as AWS proves config, env, objects and run id passed.
    const path = config((doc) => {
      doc.objects[0].name = 'ns__Invoice_Line__c';
      doc.aws = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1' };
    });
    const result = await load([
      '--config',
      path,
      '--env',
      'dev',
      '--object',
      'NS__invoice_line__C',
      '--run-id',
      'rerun-2026.01_a',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/run id|unknown environment|not configured|not an API name/);
  });
});
