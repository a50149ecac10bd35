/**
 * Waits for an observable state instead of a guessed delay: checks `check` at every turn of the event loop
 * until it holds. The deadline only turns a hang into a failure that says what never happened.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
