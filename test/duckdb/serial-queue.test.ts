import { SerialQueue } from '../../src/duckdb';

/** A promise with its resolve and reject, to settle a task when the test says so. */
function gate<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SerialQueue', () => {
  test('starts a task only when the one before it has settled, in call order', async () => {
    const queue = new SerialQueue();
    const started: string[] = [];
    const first = gate<string>();
    const a = queue.run(() => {
      started.push('a');
      return first.promise;
    });
    const b = queue.run(async () => {
      started.push('b');
      return 'b';
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual(['a']);
    first.resolve('a');
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(started).toEqual(['a', 'b']);
  });

  test('a failed task fails its caller only; the next one still runs', async () => {
    const queue = new SerialQueue();
    const failed = queue.run(() => Promise.reject(new Error('conversion failed')));
    const next = queue.run(async () => 'next');
    await expect(failed).rejects.toThrow('conversion failed');
    await expect(next).resolves.toBe('next');
  });

  test('idle() waits for every task asked for so far, failed ones included', async () => {
    const queue = new SerialQueue();
    const first = gate<void>();
    const second = gate<void>();
    let idle = false;
    void queue.run(() => first.promise).catch(() => undefined);
    void queue.run(() => second.promise);
    const waiting = queue.idle().then(() => {
      idle = true;
    });
    first.reject(new Error('x'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    second.resolve();
    await waiting;
    expect(idle).toBe(true);
  });
});
