import { join } from 'node:path';
import { sfetlInProcess } from '../support/stack';

/**
 * Node's parseArgs keeps the last value of a flag given twice: `--env dev … --env prod` would load prod
 * while the first words of the command say dev. Every command refuses two different values of one flag
 * before it reads a configuration or asks an endpoint; the same value twice is harmless and accepted.
 */
const CONFIG = join(__dirname, '..', 'fixtures', 'config', 'minimal.yaml');

test.each([
  [
    ['load', '--config', CONFIG, '--env', 'dev', '--object', 'Account', '--env', 'prod'],
    'sfetl load: --env is given twice, as "dev" and as "prod"; give it once (run "sfetl load --help" for the options)',
  ],
  [
    ['load', '--config', CONFIG, '--env=dev', '--source', 's3://a/x.csv', '--source=s3://user:pw@b/y.csv'],
    'sfetl load: --source is given twice, as "s3://a/x.csv" and as "s3://***@b/y.csv"; give it once (run "sfetl load --help" for the options)',
  ],
  [
    ['logs', 'query', '--config', CONFIG, '--output', 'text', '--output', 'json', 'SELECT 1'],
    'sfetl logs: --output is given twice, as "text" and as "json"; give it once (run "sfetl logs --help" for the options)',
  ],
])('%j: exit 1, one line naming both values', async (argv, message) => {
  const result = await sfetlInProcess(argv);
  expect(result.err).toBe(`${message}\n`);
  expect(result.code).toBe(1);
});

test('the same value twice is accepted like once', async () => {
  const once = await sfetlInProcess(['load', '--config', CONFIG, '--env', 'dev', '--object', 'Nope', '--dry-run']);
  const twice = await sfetlInProcess([
    'load',
    '--config',
    CONFIG,
    '--env',
    'dev',
    '--env',
    'dev',
    '--object',
    'Nope',
    '--dry-run',
  ]);
  expect(twice.err).toBe(once.err);
  expect(twice.code).toBe(once.code);
});
