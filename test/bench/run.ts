/**
 * `npm run bench [-- <name>...]`: runs every test/bench/<name>.bench.ts (or the named ones) one after the
 * other, each in its own process, and leaves their figures in docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const wanted = process.argv.slice(2);
const benches = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.some((w) => name.includes(w)));
if (benches.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(', ')}; see test/bench/*.bench.ts\n`);
  process.exit(1);
}
for (const name of benches) {
  process.stdout.write(`\n== ${name}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, `${name}.bench.ts`)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
