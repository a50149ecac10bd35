import { CallFault, FaultConfig, FaultConfigError, FaultInjector, parseFaultConfig } from '../src/fault-injector';

function configError(value: unknown): FaultConfigError {
  try {
    parseFaultConfig(value);
  } catch (err) {
    if (err instanceof FaultConfigError) return err;
    throw err;
  }
  throw new Error(`expected a FaultConfigError for ${JSON.stringify(value)}`);
}

/** The HTTP status each of `n` API calls is answered with (200 when served). */
function statuses(injector: FaultInjector, n: number): number[] {
  return Array.from({ length: n }, () => {
    const fault: CallFault = injector.onApiCall();
    return fault.reject?.status ?? fault.failAfterEffect?.status ?? 200;
  });
}

function share(values: readonly boolean[]): number {
  return values.filter(Boolean).length / values.length;
}

describe('parseFaultConfig', () => {
  test('returns a valid configuration unchanged', () => {
    const config = {
      latencyMs: { min: 5, max: 20 },
      http5xxRate: 0.1,
      http5xxAfterEffectRate: 0.5,
      rateLimitBursts: { every: 100, length: 3 },
      sessionExpiryAfterCalls: 50,
      rowLockRate: 0.01,
      failJobAfterRecords: 1000,
      failJobsCount: 1,
      seed: 7,
      bandwidthBytesPerSecond: 12_500_000,
      ignoreAcceptEncoding: true,
    };
    expect(parseFaultConfig(config)).toEqual(config);
  });

  test.each([
    ['null', null],
    ['an array', [{ http5xxRate: 0.1 }]],
    ['a number', 0.1],
  ])('rejects %s instead of an object', (_, value) => {
    expect(configError(value).message).toBe('faults must be a JSON object');
  });

  test('rejects an unknown key, naming it and the known ones', () => {
    expect(configError({ http500Rate: 0.1 }).message).toBe(
      'unknown fault "http500Rate"; known: http5xxRate, http5xxAfterEffectRate, rowLockRate, sessionExpiryAfterCalls, failJobAfterRecords, failJobsCount, seed, latencyMs, rateLimitBursts, bandwidthBytesPerSecond, ignoreAcceptEncoding',
    );
  });

  test.each([
    ['http5xxRate', 1.5],
    ['http5xxAfterEffectRate', -0.1],
    ['rowLockRate', '0.1'],
  ])('rejects %s = %p, which is not a share between 0 and 1', (key, value) => {
    expect(configError({ [key]: value }).message).toBe(`${key} must be a number between 0 and 1`);
  });

  test.each([
    ['sessionExpiryAfterCalls', -1],
    ['failJobAfterRecords', 2.5],
    ['failJobsCount', '1'],
    ['seed', null],
  ])('rejects %s = %p, which is not a whole number', (key, value) => {
    expect(configError({ [key]: value }).message).toBe(`${key} must be a whole number >= 0`);
  });

  test.each([
    ['a negative number', -5],
    ['a range with min above max', { min: 20, max: 5 }],
    ['a range without max', { min: 5 }],
    ['a string', '10ms'],
  ])('rejects latencyMs given as %s', (_, latencyMs) => {
    expect(configError({ latencyMs }).message).toBe('latencyMs must be milliseconds >= 0 or {"min": ms, "max": ms}');
  });

  test.each([
    ['every 0', { every: 0, length: 1 }],
    ['length 0', { every: 10, length: 0 }],
    ['a fractional every', { every: 1.5, length: 1 }],
    ['a number', 10],
  ])('rejects rateLimitBursts with %s', (_, rateLimitBursts) => {
    expect(configError({ rateLimitBursts }).message).toBe(
      'rateLimitBursts must be {"every": calls > 0, "length": calls > 0}',
    );
  });

  test.each([
    ['0', 0],
    ['a negative number', -1],
    ['a fraction of a byte', 1.5],
    ['a string', '100Mbit'],
  ])('rejects bandwidthBytesPerSecond given as %s', (_, bandwidthBytesPerSecond) => {
    expect(configError({ bandwidthBytesPerSecond }).message).toBe(
      'bandwidthBytesPerSecond must be a whole number of bytes > 0 (12500000 is 100 Mbit/s)',
    );
  });

  test('rejects ignoreAcceptEncoding that is not true or false', () => {
    expect(configError({ ignoreAcceptEncoding: 'yes' }).message).toBe('ignoreAcceptEncoding must be true or false');
  });
});

describe('FaultInjector', () => {
  const MIXED: FaultConfig = { http5xxRate: 0.3, http5xxAfterEffectRate: 0.5, rowLockRate: 0.2, seed: 42 };

  /** Interleaved call and record decisions, as a running org makes them. */
  function decisions(injector: FaultInjector, n: number): string[] {
    return Array.from({ length: n }, () => `${JSON.stringify(injector.onApiCall())}/${injector.recordLocked()}`);
  }

  test('the same seed gives the same decisions', () => {
    expect(decisions(new FaultInjector(MIXED), 1_000)).toEqual(decisions(new FaultInjector(MIXED), 1_000));
  });

  test('another seed gives other decisions', () => {
    expect(decisions(new FaultInjector({ ...MIXED, seed: 43 }), 1_000)).not.toEqual(
      decisions(new FaultInjector(MIXED), 1_000),
    );
  });

  test('configure starts the sequence of its seed again', () => {
    const injector = new FaultInjector(MIXED);
    const first = decisions(injector, 100);
    injector.configure(MIXED);
    expect(decisions(injector, 100)).toEqual(first);
  });

  test('no faults without configuration', () => {
    const injector = new FaultInjector();
    expect(Array.from({ length: 1_000 }, () => injector.onApiCall())).toEqual(
      Array.from({ length: 1_000 }, () => ({ delayMs: 0 })),
    );
  });

  test('bandwidthBytesPerSecond gives the org one link each way at that rate; configure lifts it', () => {
    const injector = new FaultInjector({ bandwidthBytesPerSecond: 1_000_000 });
    expect(injector.sendLink?.bytesPerSecond).toBe(1_000_000);
    expect(injector.receiveLink?.bytesPerSecond).toBe(1_000_000);
    expect(injector.sendLink).not.toBe(injector.receiveLink);
    injector.configure({});
    expect(injector.sendLink).toBeUndefined();
    expect(injector.receiveLink).toBeUndefined();
  });

  test('http5xxRate answers about that share of 10,000 calls with 500 or 503', () => {
    const answers = statuses(new FaultInjector({ http5xxRate: 0.1, seed: 3 }), 10_000);
    expect(share(answers.map((s) => s !== 200))).toBeGreaterThanOrEqual(0.09);
    expect(share(answers.map((s) => s !== 200))).toBeLessThanOrEqual(0.11);
    expect(new Set(answers)).toEqual(new Set([200, 500, 503]));
  });

  test('a 5xx fault rejects the call unless http5xxAfterEffectRate says it took effect', () => {
    const before = new FaultInjector({ http5xxRate: 1, seed: 3 }).onApiCall();
    const after = new FaultInjector({ http5xxRate: 1, http5xxAfterEffectRate: 1, seed: 3 }).onApiCall();
    expect([before.reject?.errorCode, before.failAfterEffect]).toEqual([
      expect.stringMatching(/^(UNKNOWN_EXCEPTION|SERVER_UNAVAILABLE)$/),
      undefined,
    ]);
    expect([after.reject, after.failAfterEffect?.errorCode]).toEqual([
      undefined,
      expect.stringMatching(/^(UNKNOWN_EXCEPTION|SERVER_UNAVAILABLE)$/),
    ]);
  });

  test('rateLimitBursts serves `every` calls, then answers the next `length` with 429, and repeats', () => {
    const answers = statuses(new FaultInjector({ rateLimitBursts: { every: 5, length: 3 } }), 24);
    const cycle = [200, 200, 200, 200, 200, 429, 429, 429];
    expect(answers).toEqual([...cycle, ...cycle, ...cycle]);
  });

  test('every rate-limit burst is exactly `length` consecutive 429 REQUEST_LIMIT_EXCEEDED answers', () => {
    const injector = new FaultInjector({ rateLimitBursts: { every: 7, length: 4 } });
    const faults = Array.from({ length: 200 }, () => injector.onApiCall());
    const runs = faults
      .map((f) => (f.reject ? 'x' : '.'))
      .join('')
      .split('.')
      .filter((run) => run !== '');
    expect(runs.length).toBeGreaterThan(10);
    expect(runs.every((run) => run.length === 4)).toBe(true);
    expect(new Set(faults.filter((f) => f.reject).map((f) => `${f.reject!.status} ${f.reject!.errorCode}`))).toEqual(
      new Set(['429 REQUEST_LIMIT_EXCEEDED']),
    );
  });

  test('rowLockRate locks about that share of 10,000 records', () => {
    const injector = new FaultInjector({ rowLockRate: 0.25, seed: 9 });
    const locked = Array.from({ length: 10_000 }, () => injector.recordLocked());
    expect(share(locked)).toBeGreaterThanOrEqual(0.23);
    expect(share(locked)).toBeLessThanOrEqual(0.27);
  });

  test('rowLockRate 0 never locks a record', () => {
    const injector = new FaultInjector({ rowLockRate: 0 });
    expect(Array.from({ length: 1_000 }, () => injector.recordLocked()).some(Boolean)).toBe(false);
  });

  test('latencyMs as a range delays each call by a value inside it', () => {
    const injector = new FaultInjector({ latencyMs: { min: 10, max: 30 } });
    const delays = Array.from({ length: 1_000 }, () => injector.onApiCall().delayMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  test('jobFailureThreshold is undefined without failJobAfterRecords', () => {
    expect(new FaultInjector({ failJobsCount: 2 }).jobFailureThreshold()).toBeUndefined();
  });

  test('jobFailureThreshold fails every job without failJobsCount', () => {
    const injector = new FaultInjector({ failJobAfterRecords: 10 });
    expect(Array.from({ length: 5 }, () => injector.jobFailureThreshold())).toEqual([10, 10, 10, 10, 10]);
  });

  test('asking for jobFailureThreshold uses up no failJobsCount: only a job failed at it does', () => {
    const injector = new FaultInjector({ failJobAfterRecords: 10, failJobsCount: 2 });
    expect(Array.from({ length: 3 }, () => injector.jobFailureThreshold())).toEqual([10, 10, 10]);
    expect(injector.takeJobFailure()).toBe(true);
    expect(injector.jobFailureThreshold()).toBe(10);
    expect(injector.takeJobFailure()).toBe(true);
    expect([injector.jobFailureThreshold(), injector.takeJobFailure()]).toEqual([undefined, false]);
  });

  test('takeJobFailure is false without failJobAfterRecords', () => {
    expect(new FaultInjector({ failJobsCount: 2 }).takeJobFailure()).toBe(false);
  });

  test('configure restarts the count of failed jobs', () => {
    const config: FaultConfig = { failJobAfterRecords: 10, failJobsCount: 1 };
    const injector = new FaultInjector(config);
    injector.takeJobFailure();
    expect(injector.jobFailureThreshold()).toBeUndefined();
    injector.configure(config);
    expect(injector.jobFailureThreshold()).toBe(10);
  });
});
