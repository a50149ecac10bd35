/** mulberry32: a small, fast seeded generator, good enough for fault shares; the same seed gives the same run. */
export class SeededRandom {
  private state: number;

  constructor(seed = 1) {
    this.state = seed;
  }

  /* eslint-disable no-bitwise -- a PRNG is bit arithmetic */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /* eslint-enable no-bitwise */
}
