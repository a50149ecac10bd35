import { hostname } from 'node:os';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

/** Another run holds the lease on this (env, object): exit 4. */
export class LeaseHeldError extends Error {
  constructor(
    readonly env: string,
    readonly object: string,
    readonly holderRunId: string,
    readonly expiresAt: string,
  ) {
    super(`${object} in ${env} is being loaded by run ${holderRunId}; its lease ends at ${expiresAt}`);
    this.name = 'LeaseHeldError';
  }
}

/** We held the lease but lost it (it expired and another run took it over): stop before doing harm. */
export class LeaseLostError extends Error {
  constructor(
    readonly env: string,
    readonly object: string,
    readonly reason = 'renewal refused',
  ) {
    super(`the lease on ${object} in ${env} was lost (${reason}); another run may have taken over`);
    this.name = 'LeaseLostError';
  }
}

interface LeaseBody {
  readonly runId: string;
  readonly host: string;
  readonly pid: number;
  readonly acquiredAt: string;
  readonly expiresAt: string;
}

export interface LeaseLockProps {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Object key of the lease (one per env and object). */
  readonly key: string;
  readonly env: string;
  readonly object: string;
  readonly runId: string;
  /** How long a lease lives without renewal. */
  readonly leaseSeconds: number;
  readonly clock?: () => Date;
}

function status(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

/**
 * A lease per (env, object) in S3 with conditional writes: created with `If-None-Match: *`, renewed and
 * taken over with `If-Match: <etag>` (compare-and-swap). A crashed holder's lease simply expires; no one
 * has to delete anything by hand.
 */
export class LeaseLock {
  private etag?: string;
  private timer?: NodeJS.Timeout;
  private lost?: LeaseLostError;
  /** When the lease was last written by us: it is ours for leaseSeconds from then, whatever S3 answers. */
  private renewedAt = 0;
  private renewing = false;
  private readonly clock: () => Date;

  constructor(private readonly props: LeaseLockProps) {
    this.clock = props.clock ?? (() => new Date());
  }

  private body(): string {
    const now = this.clock();
    const lease: LeaseBody = {
      runId: this.props.runId,
      host: hostname(),
      pid: process.pid,
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.props.leaseSeconds * 1000).toISOString(),
    };
    return JSON.stringify(lease);
  }

  private async put(condition: { IfNoneMatch: '*' } | { IfMatch: string }): Promise<boolean> {
    try {
      const out = await this.props.s3.send(
        new PutObjectCommand({
          Bucket: this.props.bucket,
          Key: this.props.key,
          Body: this.body(),
          ContentType: 'application/json',
          ...condition,
        }),
      );
      this.etag = out.ETag;
      this.renewedAt = this.clock().getTime();
      return true;
    } catch (err) {
      // 412: the condition failed; 409: a concurrent conditional write won.
      if (status(err) === 412 || status(err) === 409) return false;
      throw err;
    }
  }

  private async current(): Promise<{ lease: LeaseBody; etag: string } | undefined> {
    try {
      const out = await this.props.s3.send(new GetObjectCommand({ Bucket: this.props.bucket, Key: this.props.key }));
      return { lease: JSON.parse(await out.Body!.transformToString()) as LeaseBody, etag: out.ETag! };
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  }

  /** Takes the lease or throws LeaseHeldError; renews it every third of its life until release(). */
  async acquire(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.put({ IfNoneMatch: '*' })) return this.startRenewal();
      const held = await this.current();
      if (!held) continue;
      const expired = Date.parse(held.lease.expiresAt) <= this.clock().getTime();
      if (held.lease.runId === this.props.runId || expired) {
        // Our own run's lease (a resumed run) or an expired one: take it over, atomically.
        if (await this.put({ IfMatch: held.etag })) return this.startRenewal();
        continue;
      }
      throw new LeaseHeldError(this.props.env, this.props.object, held.lease.runId, held.lease.expiresAt);
    }
    const held = await this.current();
    throw new LeaseHeldError(
      this.props.env,
      this.props.object,
      held?.lease.runId ?? 'unknown',
      held?.lease.expiresAt ?? 'unknown',
    );
  }

  private startRenewal(): void {
    const every = Math.max(200, (this.props.leaseSeconds * 1000) / 3);
    this.timer = setInterval(() => void this.renewInBackground(), every);
    this.timer.unref();
  }

  /**
   * Only a refused compare-and-swap (412/409) proves the lease is gone. Any other error (an S3 5xx that
   * outlasted the SDK's retries, a network drop) is retried at the next tick, until the lease could have
   * expired since our last successful write: from then on another run may rightly take it over.
   */
  private async renewInBackground(): Promise<void> {
    if (this.renewing || this.lost) return;
    this.renewing = true;
    try {
      await this.renew();
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.lost ??= err;
      } else if (this.clock().getTime() - this.renewedAt >= this.props.leaseSeconds * 1000) {
        this.stopRenewal();
        const detail = err instanceof Error ? err.message : String(err);
        this.lost ??= new LeaseLostError(
          this.props.env,
          this.props.object,
          `not renewed for ${this.props.leaseSeconds} s: ${detail}`,
        );
      }
    } finally {
      this.renewing = false;
    }
  }

  async renew(): Promise<void> {
    if (!this.etag) return;
    if (!(await this.put({ IfMatch: this.etag }))) {
      this.stopRenewal();
      throw new LeaseLostError(this.props.env, this.props.object);
    }
  }

  /** Throws if a renewal failed since the last check: the loader calls it between steps. */
  check(): void {
    if (this.lost) throw this.lost;
  }

  private stopRenewal(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Gives the lease up if it is still ours. */
  async release(): Promise<void> {
    this.stopRenewal();
    if (!this.etag || this.lost) return;
    const held = await this.current().catch(() => undefined);
    if (held && held.etag === this.etag) {
      await this.props.s3
        .send(new DeleteObjectCommand({ Bucket: this.props.bucket, Key: this.props.key }))
        .catch(() => undefined);
    }
    this.etag = undefined;
  }
}
