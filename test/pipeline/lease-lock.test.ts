import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { LeaseLock, LeaseLostError } from '../../src/pipeline/lease-lock';

/** An S3 seam for one lease key: answers conditional PutObject like S3, or fails as told. */
class LeaseBucket {
  failWith?: number;
  puts = 0;
  private etag?: string;
  private version = 0;

  readonly client = {
    send: async (command: unknown) => {
      if (command instanceof PutObjectCommand) {
        this.puts++;
        if (this.failWith !== undefined) throw serviceError(this.failWith);
        const { IfMatch, IfNoneMatch } = command.input;
        if (IfNoneMatch === '*' && this.etag) throw serviceError(412);
        if (IfMatch !== undefined && IfMatch !== this.etag) throw serviceError(412);
        this.etag = `"v${++this.version}"`;
        return { ETag: this.etag };
      }
      if (command instanceof GetObjectCommand) throw serviceError(404);
      throw new Error('unexpected command');
    },
  } as unknown as S3Client;

  /** Another run overwrote the lease. */
  takeOver(): void {
    this.etag = `"other-${++this.version}"`;
  }
}

function serviceError(status: number): S3ServiceException {
  return new S3ServiceException({
    name: status === 412 ? 'PreconditionFailed' : 'ServiceUnavailable',
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `status ${status}`,
  });
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LeaseLock renewal', () => {
  let now: number;
  const clock = () => new Date(now);
  const leaseFor = (bucket: LeaseBucket) =>
    new LeaseLock({
      s3: bucket.client,
      bucket: 'logs',
      key: '_sfetl/locks/dev/Contact.json',
      env: 'dev',
      object: 'Contact',
      runId: 'run-1',
      leaseSeconds: 0.6, // renewed every 200 ms
      clock,
    });

  beforeEach(() => (now = Date.parse('2026-11-22T10:00:00Z')));

  test('S3 errors on renewal are tolerated while the lease cannot have expired, and renewal goes on', async () => {
    const bucket = new LeaseBucket();
    const lease = leaseFor(bucket);
    await lease.acquire();
    bucket.failWith = 503;
    now += 300; // half the lease's life without a successful write
    await tick(450);
    expect(bucket.puts).toBeGreaterThan(1);
    expect(() => lease.check()).not.toThrow();
    bucket.failWith = undefined;
    const before = bucket.puts;
    await tick(450);
    expect(bucket.puts).toBeGreaterThan(before);
    now += 500; // would be past the lease's end, counted from the first write: the later renewal counts
    await tick(250);
    expect(() => lease.check()).not.toThrow();
    await lease.release();
  });

  test('errors for longer than the lease lives mean the lease is lost', async () => {
    const bucket = new LeaseBucket();
    const lease = leaseFor(bucket);
    await lease.acquire();
    bucket.failWith = 500;
    now += 600;
    await tick(450);
    expect(() => lease.check()).toThrow(LeaseLostError);
    expect(() => lease.check()).toThrow(/not renewed for 0.6 s: status 500/);
    await lease.release();
  });

  test('a refused compare-and-swap (another run took the lease) is lost at once', async () => {
    const bucket = new LeaseBucket();
    const lease = leaseFor(bucket);
    await lease.acquire();
    bucket.takeOver();
    await tick(450);
    expect(() => lease.check()).toThrow(/the lease on Contact in dev was lost \(renewal refused\)/);
    await lease.release();
  });
});
