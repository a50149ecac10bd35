import { Transform } from 'node:stream';

export interface BandwidthLimiterProps {
  /** Bytes a second the link carries (in one direction; a full-duplex link has one limiter per direction). */
  readonly bytesPerSecond: number;
  /** Milliseconds on a monotonic clock. @default performance.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * One direction of a slow link shared by every transfer that crosses it: each chunk reserves the time it takes
 * on the link after the chunks reserved before it, and passes when that time has gone by. A link left idle
 * builds up no credit, so a transfer never bursts above the rate; parallel transfers share it, as the
 * connections of one office share its line.
 */
export class BandwidthLimiter {
  /** When (on `now`'s clock) the link has carried everything reserved so far. */
  private busyUntil = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly props: BandwidthLimiterProps) {
    if (!(props.bytesPerSecond > 0) || !Number.isFinite(props.bytesPerSecond)) {
      throw new RangeError(`bytesPerSecond must be a number > 0, not ${props.bytesPerSecond}`);
    }
    this.now = props.now ?? (() => performance.now());
    this.sleep = props.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get bytesPerSecond(): number {
    return this.props.bytesPerSecond;
  }

  /** Resolves once `bytes` have crossed the link, after everything reserved before them. */
  async pass(bytes: number): Promise<void> {
    const now = this.now();
    this.busyUntil = Math.max(now, this.busyUntil) + (bytes / this.props.bytesPerSecond) * 1000;
    const wait = this.busyUntil - now;
    // Timers fire at millisecond granularity at best: shorter waits add up in busyUntil and are slept together.
    if (wait >= 1) await this.sleep(wait);
  }
}

/** Chunks larger than this are let through in slices, so a big buffer does not cross the link in one jump. */
const SLICE_BYTES = 64 * 1024;

/**
 * A stream stage that lets bytes through at the pace of the limiter `link()` answers for each chunk (none: at
 * once), so a limit set or lifted mid-transfer applies from the next chunk. Back-pressure holds: a chunk
 * waiting for the link holds up the writer.
 */
export function throttled(link: () => BandwidthLimiter | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const limiter = link();
      if (!limiter) {
        done(null, chunk);
        return;
      }
      const pushSlices = async () => {
        for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
          const slice = chunk.subarray(at, at + SLICE_BYTES);
          await limiter.pass(slice.length);
          this.push(slice);
        }
      };
      pushSlices().then(
        () => done(),
        (err: unknown) => done(err as Error),
      );
    },
  });
}
