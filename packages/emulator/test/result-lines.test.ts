import { ResultLines } from '../src/result-lines';

/** Lines of every length up to a few hundred characters, some not Latin-1. */
function lines(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `"${i}","${'é€x'.repeat(i % 150)}"\n`);
}

describe('ResultLines', () => {
  test('gives back every line in order, in buffers that each hold whole lines', () => {
    const result = new ResultLines();
    const all = lines(20_000);
    for (const line of all) result.push(line);
    const buffers = result.buffers();
    expect(buffers.length).toBeGreaterThan(1);
    for (const buffer of buffers) expect(buffer.toString('utf8').endsWith('\n')).toBe(true);
    expect(Buffer.concat(buffers).toString('utf8')).toBe(all.join(''));
  });

  test('reading in the middle (a snapshot) does not disturb what is written after', () => {
    const result = new ResultLines();
    const all = lines(3_000);
    for (const line of all.slice(0, 1_000)) result.push(line);
    const early = result.texts().join('');
    for (const line of all.slice(1_000)) result.push(line);
    expect(early).toBe(all.slice(0, 1_000).join(''));
    expect(result.texts().join('')).toBe(all.join(''));
    expect(new ResultLines(result.texts()).texts().join('')).toBe(all.join(''));
  });

  test('closing gives back the room left in the last buffer', () => {
    const result = new ResultLines();
    result.push('"a","true"\n');
    result.close();
    const [only] = result.buffers();
    expect(only!.toString()).toBe('"a","true"\n');
    // Not the 64 KiB buffer it was written into (a copy, from Node's shared pool of small buffers).
    expect(only!.buffer.byteLength).toBeLessThan(64 * 1024);
  });
});
