import { runChaos } from './chaos-model';

/**
 * The CI version of the randomized end-to-end test (test/chaos/chaos-model.ts): a fixed seed, three minutes
 * of steps. `npm run test:chaos -- --minutes N [--seed S]` runs it longer or with another seed.
 */
const SEED = Number(process.env.SFETL_CHAOS_SEED ?? 20261206);
const SECONDS = Number(process.env.SFETL_CHAOS_SECONDS ?? 180);

jest.setTimeout((SECONDS + 600) * 1000);

test(`random mistakes, kills and reruns for ${SECONDS} s (seed ${SEED}): nothing lost, nothing doubled`, async () => {
  const report = await runChaos({ seed: SEED, seconds: SECONDS });
  // The run did what it is for: loads, some of them killed, several file versions.
  expect(report.loads).toBeGreaterThan(10);
  expect(report.kills).toBeGreaterThan(0);
  expect(report.versions).toBeGreaterThan(3);
});
