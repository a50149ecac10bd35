import { formatS3Uri } from '../s3';

/** The two log trees (DESIGN.md §2.1). */
export type LogStatus = 'success' | 'failure';

/** One log directory: a run of one object in one env, for one status. */
export interface LogDirectory {
  /** The log bucket. */
  readonly bucket: string;
  /** Key prefix of the log trees, `''` or ending in `/` (one is added when missing), e.g. `logs/`. */
  readonly prefix: string;
  readonly status: LogStatus;
  /** The sObject API name as Salesforce spells it (`Contact`, `Invoice__c`). */
  readonly object: string;
  readonly runId: string;
  readonly env: string;
  /** UTC creation time of the directory as `yyyyMMddHHmmss`; see {@link formatCreatedTime}. */
  readonly createdTime: string;
}

/** A value that would break the log layout (a `/` would add a directory level, `=` a false partition). */
export class LogLayoutError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`Log layout: ${field} "${value}" is not usable in an S3 log path; it must be ${expected}.`);
    this.name = 'LogLayoutError';
  }
}

const CREATED_TIME = /^\d{14}$/;
/** Path segments that are written into keys as they are: no separators, no `=`, nothing a shell or Hive mangles. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function checkSegment(field: string, value: string): string {
  if (!SEGMENT.test(value)) {
    throw new LogLayoutError(field, value, 'letters, digits, "_", "-" or "." (starting with a letter or digit)');
  }
  return value;
}

/** `''`, or the prefix with exactly one trailing `/` and no leading one. */
function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** UTC `yyyyMMddHHmmss` of a date, the `created_time` of DESIGN.md §2.1. */
export function formatCreatedTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new LogLayoutError('createdTime', String(date), 'a valid date');
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  );
}

/**
 * The key (no bucket) of a log directory, ending in `/`:
 * `<prefix><status>/<Object>/run_id=<run_id>/env=<env>/created_time=<yyyyMMddHHmmss>/`.
 */
export function logKeyPrefix(dir: Omit<LogDirectory, 'bucket'>): string {
  if (dir.status !== 'success' && dir.status !== 'failure') {
    throw new LogLayoutError('status', String(dir.status), '"success" or "failure"');
  }
  if (!CREATED_TIME.test(dir.createdTime)) {
    throw new LogLayoutError('createdTime', dir.createdTime, 'UTC yyyyMMddHHmmss (14 digits)');
  }
  return (
    `${normalizePrefix(dir.prefix)}${dir.status}/${checkSegment('object', dir.object)}/` +
    `run_id=${checkSegment('runId', dir.runId)}/env=${checkSegment('env', dir.env)}/created_time=${dir.createdTime}/`
  );
}

/** The S3 URI of a log directory (DESIGN.md §2.1), ending in `/`: the location its Glue partition carries. */
export function logLocation(dir: LogDirectory): string {
  return formatS3Uri(dir.bucket, logKeyPrefix(dir));
}
