import { BandwidthLimiter } from './bandwidth-limiter';
import { SeededRandom } from './seeded-random';

/** Faults an emulated org injects, as production orgs produce them. Every rate is a share between 0 and 1. */
export interface FaultConfig {
  /** Added latency per API call, in milliseconds: a fixed value or a range. @default 0 */
  readonly latencyMs?: number | { readonly min: number; readonly max: number };
  /** Share of API calls answered with HTTP 500 or 503. @default 0 */
  readonly http5xxRate?: number;
  /**
   * Share of those 5xx answers given after the request took effect (the client cannot know whether it did:
   * an upload stored, a job closed). @default 0
   */
  readonly http5xxAfterEffectRate?: number;
  /** After every `every` served API calls, the next `length` calls get 429 REQUEST_LIMIT_EXCEEDED. */
  readonly rateLimitBursts?: { readonly every: number; readonly length: number };
  /** Each access token expires (401 INVALID_SESSION_ID) after this many API calls. */
  readonly sessionExpiryAfterCalls?: number;
  /** Share of records that fail with UNABLE_TO_LOCK_ROW (and are not applied). @default 0 */
  readonly rowLockRate?: number;
  /** A job goes Failed after processing this many records; the rest are unprocessed. */
  readonly failJobAfterRecords?: number;
  /** How many jobs fail that way. @default every job */
  readonly failJobsCount?: number;
  /** Seed of the random choices, so a run can be repeated. @default 1 */
  readonly seed?: number;
  /**
   * A slow link in front of the org: request bodies it reads and result CSVs it sends cross it at this many
   * bytes a second in each direction, shared by all of the org's connections (a WAN, not a loopback).
   * @default no limit
   */
  readonly bandwidthBytesPerSecond?: number;
  /**
   * Result CSVs are sent uncompressed even to a client that asks for gzip, as Salesforce may do ("Even though
   * you request a compressed response, the REST framework sometimes doesn't send back the response in a
   * compressed format": "Use Compression for Bulk API 2.0 Ingest Responses"). @default false
   */
  readonly ignoreAcceptEncoding?: boolean;
}

const RATE_KEYS = ['http5xxRate', 'http5xxAfterEffectRate', 'rowLockRate'] as const;
const COUNT_KEYS = ['sessionExpiryAfterCalls', 'failJobAfterRecords', 'failJobsCount', 'seed'] as const;

/** A fault configuration that cannot be used; the message names the key and what it takes. */
export class FaultConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultConfigError';
  }
}

/** Checks a fault configuration read from a file or a control request. */
export function parseFaultConfig(value: unknown): FaultConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FaultConfigError('faults must be a JSON object');
  }
  const config = value as Record<string, unknown>;
  const known = new Set<string>([
    ...RATE_KEYS,
    ...COUNT_KEYS,
    'latencyMs',
    'rateLimitBursts',
    'bandwidthBytesPerSecond',
    'ignoreAcceptEncoding',
  ]);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new FaultConfigError(`unknown fault "${key}"; known: ${[...known].join(', ')}`);
  }
  for (const key of RATE_KEYS) {
    const v = config[key];
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 1)) {
      throw new FaultConfigError(`${key} must be a number between 0 and 1`);
    }
  }
  for (const key of COUNT_KEYS) {
    const v = config[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      throw new FaultConfigError(`${key} must be a whole number >= 0`);
    }
  }
  const latency = config.latencyMs;
  if (
    latency !== undefined &&
    !(typeof latency === 'number' && latency >= 0) &&
    !(
      typeof latency === 'object' &&
      latency !== null &&
      typeof (latency as { min?: unknown }).min === 'number' &&
      typeof (latency as { max?: unknown }).max === 'number' &&
      (latency as { min: number }).min <= (latency as { max: number }).max
    )
  ) {
    throw new FaultConfigError('latencyMs must be milliseconds >= 0 or {"min": ms, "max": ms}');
  }
  const bursts = config.rateLimitBursts as { every?: unknown; length?: unknown } | undefined;
  if (
    bursts !== undefined &&
    !(
      typeof bursts === 'object' &&
      Number.isInteger(bursts.every) &&
      Number.isInteger(bursts.length) &&
      (bursts.every as number) > 0 &&
      (bursts.length as number) > 0
    )
  ) {
    throw new FaultConfigError('rateLimitBursts must be {"every": calls > 0, "length": calls > 0}');
  }
  const bandwidth = config.bandwidthBytesPerSecond;
  if (bandwidth !== undefined && !(typeof bandwidth === 'number' && Number.isInteger(bandwidth) && bandwidth > 0)) {
    throw new FaultConfigError('bandwidthBytesPerSecond must be a whole number of bytes > 0 (12500000 is 100 Mbit/s)');
  }
  if (config.ignoreAcceptEncoding !== undefined && typeof config.ignoreAcceptEncoding !== 'boolean') {
    throw new FaultConfigError('ignoreAcceptEncoding must be true or false');
  }
  return config as FaultConfig;
}

/** What to do with one API call. */
export interface CallFault {
  readonly delayMs: number;
  /** Answer with this HTTP error instead of serving the call. */
  readonly reject?: { readonly status: number; readonly errorCode: string; readonly message: string };
  /** Serve the call, then answer with this status instead of the real answer. */
  readonly failAfterEffect?: { readonly status: number; readonly errorCode: string; readonly message: string };
}

/** Decides, call by call and record by record, which faults happen. Deterministic for a given seed. */
export class FaultInjector {
  private generator: SeededRandom;
  private calls = 0;
  private burstLeft = 0;
  private servedSinceBurst = 0;
  private failedJobs = 0;
  private links?: { readonly send: BandwidthLimiter; readonly receive: BandwidthLimiter };

  constructor(private config: FaultConfig = {}) {
    this.generator = new SeededRandom(config.seed ?? 1);
    this.links = linksFor(config);
  }

  get current(): FaultConfig {
    return this.config;
  }

  configure(config: FaultConfig): void {
    this.config = config;
    this.generator = new SeededRandom(config.seed ?? 1);
    this.calls = 0;
    this.burstLeft = 0;
    this.servedSinceBurst = 0;
    this.failedJobs = 0;
    this.links = linksFor(config);
  }

  /** The link the org's answers cross, when `bandwidthBytesPerSecond` limits it. */
  get sendLink(): BandwidthLimiter | undefined {
    return this.links?.send;
  }

  /** The link requests to the org cross, when `bandwidthBytesPerSecond` limits it. */
  get receiveLink(): BandwidthLimiter | undefined {
    return this.links?.receive;
  }

  private random(): number {
    return this.generator.next();
  }

  onApiCall(): CallFault {
    const c = this.config;
    this.calls++;
    const latency = c.latencyMs ?? 0;
    const delayMs = typeof latency === 'number' ? latency : latency.min + this.random() * (latency.max - latency.min);
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return { delayMs, reject: TOO_MANY_REQUESTS };
    }
    if (c.rateLimitBursts && this.servedSinceBurst >= c.rateLimitBursts.every) {
      // `every` calls were served: this one and the next `length - 1` are refused.
      this.servedSinceBurst = 0;
      this.burstLeft = c.rateLimitBursts.length - 1;
      return { delayMs, reject: TOO_MANY_REQUESTS };
    }
    this.servedSinceBurst++;
    if (c.http5xxRate && this.random() < c.http5xxRate) {
      const fault = this.random() < 0.5 ? SERVER_ERROR : SERVER_UNAVAILABLE;
      if (c.http5xxAfterEffectRate && this.random() < c.http5xxAfterEffectRate) {
        return { delayMs, failAfterEffect: fault };
      }
      return { delayMs, reject: fault };
    }
    return { delayMs };
  }

  recordLocked(): boolean {
    return !!this.config.rowLockRate && this.random() < this.config.rowLockRate;
  }

  /**
   * The record count after which a job starting now fails, while jobs are left to fail that way. Asking
   * uses nothing up: a job smaller than that, or refused for its header, leaves the fault to the next one.
   */
  jobFailureThreshold(): number | undefined {
    return this.jobFailuresLeft() ? this.config.failJobAfterRecords : undefined;
  }

  /** Counts a job failed at the threshold against `failJobsCount`; false (do not fail it) when none is left. */
  takeJobFailure(): boolean {
    if (!this.jobFailuresLeft()) return false;
    this.failedJobs++;
    return true;
  }

  private jobFailuresLeft(): boolean {
    const { failJobAfterRecords, failJobsCount } = this.config;
    return failJobAfterRecords !== undefined && (failJobsCount === undefined || this.failedJobs < failJobsCount);
  }
}

/** One limiter per direction: a link's bandwidth is the same both ways, and either way is used on its own. */
function linksFor(config: FaultConfig): { send: BandwidthLimiter; receive: BandwidthLimiter } | undefined {
  const bytesPerSecond = config.bandwidthBytesPerSecond;
  return bytesPerSecond === undefined
    ? undefined
    : { send: new BandwidthLimiter({ bytesPerSecond }), receive: new BandwidthLimiter({ bytesPerSecond }) };
}

const TOO_MANY_REQUESTS = {
  status: 429,
  errorCode: 'REQUEST_LIMIT_EXCEEDED',
  message: 'TotalRequests Limit exceeded.',
};
const SERVER_ERROR = {
  status: 500,
  errorCode: 'UNKNOWN_EXCEPTION',
  message:
    'An unexpected error occurred. Please include this ErrorId if you contacting support: 1384710479-6217 (-1146538425)',
};
const SERVER_UNAVAILABLE = {
  status: 503,
  errorCode: 'SERVER_UNAVAILABLE',
  message: 'Service temporarily unavailable; please retry.',
};
