import { LedgerStore, SourceLedger, SourceLedgerState } from '../../src/pipeline/source-ledger';

/**
 * The parts of a file save one ledger at once. A store that keeps the write arriving last (S3) must never end
 * with an older state over a newer one, however long each write takes.
 */
class ReorderingStore implements LedgerStore {
  /** What the store holds: the last write that arrived. */
  held?: string;
  readonly pending: { text: string; arrive: () => void }[] = [];

  async read(): Promise<SourceLedgerState | undefined> {
    return this.held === undefined ? undefined : (JSON.parse(this.held) as SourceLedgerState);
  }

  write(_key: string, state: SourceLedgerState): Promise<void> {
    const text = JSON.stringify(state);
    return new Promise((resolve) => {
      this.pending.push({
        text,
        arrive: () => {
          this.held = text;
          resolve();
        },
      });
    });
  }
}

function newState(): SourceLedgerState {
  return {
    source: { bucket: 'b', key: 'k.csv', etag: '"e"', size: 10 },
    runId: 'r1',
    startedAt: '2026-12-06T00:00:00.000Z',
    updatedAt: '2026-12-06T00:00:00.000Z',
    status: 'in-progress',
    parts: [],
  } as unknown as SourceLedgerState;
}

test('two saves in flight: the second is sent after the first arrived, so the newest state is what stays', async () => {
  const store = new ReorderingStore();
  const ledger = SourceLedger.begin(store, 'state/k.json', newState());
  ledger.part(0, 5).attempts.push({ jobId: '750A' } as never);
  const first = ledger.save(new Date('2026-12-06T00:00:01Z'));
  ledger.part(1, 5).attempts.push({ jobId: '750B' } as never);
  const second = ledger.save(new Date('2026-12-06T00:00:02Z'));
  // Only the first write is on its way; the second waits for it.
  await Promise.resolve();
  expect(store.pending).toHaveLength(1);
  store.pending[0]!.arrive();
  await first;
  await new Promise((resolve) => setImmediate(resolve));
  expect(store.pending).toHaveLength(2);
  store.pending[1]!.arrive();
  await second;
  const held = (await store.read())!;
  expect(held.parts.map((p) => p.attempts.map((a) => a.jobId))).toEqual([['750A'], ['750B']]);
});

test('a failed write fails its save, and the next save is still sent', async () => {
  let calls = 0;
  const store: LedgerStore = {
    read: async () => undefined,
    write: async () => {
      calls++;
      if (calls === 1) throw new Error('S3 said no');
    },
  };
  const ledger = SourceLedger.begin(store, 'state/k.json', newState());
  await expect(ledger.save(new Date())).rejects.toThrow('S3 said no');
  await expect(ledger.save(new Date())).resolves.toBeUndefined();
  expect(calls).toBe(2);
});
