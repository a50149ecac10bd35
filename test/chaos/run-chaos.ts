import { parseArgs } from 'node:util';
import { ChaosFailure, runChaos } from './chaos-model';

/**
 * `npm run test:chaos -- [--minutes N] [--seed S] [--steps K]`: the randomized end-to-end test of
 * test/chaos/chaos-model.ts for as long as asked (default 3 minutes), printing each step; exit 1 with the
 * seed and a replay command on the first failed check.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { minutes: { type: 'string' }, seed: { type: 'string' }, steps: { type: 'string' } },
  });
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  const seconds = Number(values.minutes ?? 3) * 60;
  const maxSteps = values.steps === undefined ? undefined : Number(values.steps);
  process.stdout.write(`chaos: seed ${seed}, ${seconds} s${maxSteps ? `, at most ${maxSteps} steps` : ''}\n`);
  try {
    const report = await runChaos({ seed, seconds, maxSteps, log: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(`chaos: passed ${JSON.stringify(report)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ChaosFailure) {
      process.stdout.write(`chaos: FAILED\n${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
