import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BandwidthLimiter, throttled } from '../src/bandwidth-limiter';

/**
 * A clock that only moves when the limiter sleeps, so the pacing can be read exactly: a sleep wakes (after the
 * current tick, like a timer) at the time it was asked for, and the clock never goes back.
 */
function fakeLink(bytesPerSecond: number) {
  let now = 0;
  const sleeps: number[] = [];
  const limiter = new BandwidthLimiter({
    bytesPerSecond,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      const wakeAt = now + ms;
      await Promise.resolve();
      now = Math.max(now, wakeAt);
    },
  });
  return {
    limiter,
    sleeps,
    get now() {
      return now;
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('BandwidthLimiter', () => {
  test('bytes pass after the time they take on the link: 1 MB at 1 MB/s takes a second', async () => {
    const link = fakeLink(1_000_000);
    for (let i = 0; i < 16; i++) await link.limiter.pass(62_500);
    expect(link.now).toBeCloseTo(1000, 6);
  });

  test('transfers at the same time share the link instead of each getting its full rate', async () => {
    const link = fakeLink(1_000_000);
    // Two transfers reserve their chunks in turn, as two connections' chunks arrive interleaved.
    const a = link.limiter.pass(500_000);
    const b = link.limiter.pass(500_000);
    await Promise.all([a, b]);
    // The second waits behind the first: together they take the time of 1 MB.
    expect(link.sleeps).toEqual([500, 1000]);
  });

  test('an idle link builds up no credit: after a pause the next bytes still go at the rate', async () => {
    const link = fakeLink(1_000_000);
    await link.limiter.pass(100_000);
    link.advance(10_000);
    const before = link.now;
    await link.limiter.pass(100_000);
    expect(link.now - before).toBeCloseTo(100, 6);
  });

  test('waits shorter than a millisecond are not slept one by one but add up', async () => {
    const link = fakeLink(1_000_000_000);
    for (let i = 0; i < 100; i++) await link.limiter.pass(100);
    // 100 × 0.1 µs = 10 µs in all: nothing worth a timer.
    expect(link.sleeps).toEqual([]);
    await link.limiter.pass(1_000_000);
    expect(link.sleeps).toHaveLength(1);
    expect(link.sleeps[0]).toBeCloseTo(1.01, 6);
  });

  test('a rate that is not a positive number is refused', () => {
    expect(() => new BandwidthLimiter({ bytesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new BandwidthLimiter({ bytesPerSecond: Number.NaN })).toThrow(RangeError);
  });
});

describe('throttled', () => {
  test('lets every byte through in order, at the pace of the link', async () => {
    const link = fakeLink(1_000_000);
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([data.subarray(0, 10), data.subarray(10)]),
      throttled(() => link.limiter),
      async (s) => {
        for await (const chunk of s) chunks.push(chunk as Buffer);
      },
    );
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(link.now).toBeCloseTo(300, 6);
  });

  test('without a limit, chunks pass at once', async () => {
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([Buffer.alloc(1_000_000)]),
      throttled(() => undefined),
      async (s) => {
        for await (const chunk of s) chunks.push(chunk as Buffer);
      },
    );
    expect(chunks.map((c) => c.length)).toEqual([1_000_000]);
  });
});
