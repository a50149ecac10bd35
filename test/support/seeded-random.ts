/** Park–Miller: a small seeded generator, so a failure can be replayed with the same seed. */
export function seeded(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2_147_483_646) + 1;
  const next = () => {
    state = (state * 48_271) % 2_147_483_647;
    return (state - 1) / 2_147_483_646;
  };
  for (let i = 0; i < 10; i++) next(); // small seeds start with small numbers
  return next;
}

/**
 * The seed of a test's random choices: `SFETL_TEST_SEED` when set (to replay a failure), else a new one.
 * Printed either way, so a failed run says how to replay it.
 */
export function testSeed(test: string, env: NodeJS.ProcessEnv = process.env): number {
  const given = env.SFETL_TEST_SEED;
  const seed = given === undefined || given === '' ? Date.now() % 2_147_483_646 : Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`SFETL_TEST_SEED must be a whole number, got ${given}`);
  process.stdout.write(`${test}: seed ${seed} (replay with SFETL_TEST_SEED=${seed})\n`);
  return seed;
}
