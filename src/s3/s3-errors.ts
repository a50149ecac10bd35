import { printable, redactUrl } from '../config';

/** A location that is not an `s3://bucket/key` URI. */
export class InvalidS3UriError extends Error {
  constructor(readonly uri: string) {
    super(`"${printable(redactUrl(uri))}" is not an S3 URI; write it as s3://<bucket>/<key or prefix>.`);
    this.name = 'InvalidS3UriError';
  }
}

/** A source URI that names neither an object nor a prefix holding `.csv` files. */
export class NoSourceFilesError extends Error {
  constructor(
    readonly uri: string,
    /** Why nothing was found, when it is more than "no matching key". */
    readonly reason?: 'bucket-not-found',
  ) {
    super(
      reason === 'bucket-not-found'
        ? `No source files at ${uri}: the bucket does not exist in this account and region; check the bucket name and the region.`
        : `No source files at ${uri}: it is not an object, and no key under it ends with .csv; ` +
            "check the object's source in the configuration (or --source), the key's spelling and case, and that the upload finished.",
    );
    this.name = 'NoSourceFilesError';
  }
}

/** A source file was replaced or deleted after it was listed: reading it now would mix two versions. */
export class SourceChangedError extends Error {
  constructor(
    readonly uri: string,
    /** The ETag seen when the file was listed. */
    readonly expectedEtag: string,
    readonly change: 'replaced' | 'deleted',
  ) {
    super(
      `Source file ${uri} was ${change} after this run listed it (ETag ${expectedEtag}); ` +
        'stop whatever rewrites it during a load, then run again.',
    );
    this.name = 'SourceChangedError';
  }
}

/** An object the caller needs (a configuration file, say) is not there. */
export class S3ObjectNotFoundError extends Error {
  constructor(readonly uri: string) {
    super(`${uri} does not exist; check the bucket and key (and the region).`);
    this.name = 'S3ObjectNotFoundError';
  }
}

/** A JSON object written by this program no longer parses: someone edited it, or it was cut short. */
export class InvalidJsonObjectError extends Error {
  constructor(readonly uri: string) {
    super(`${uri} is not valid JSON; restore it from its previous version or delete it so it is written afresh.`);
    this.name = 'InvalidJsonObjectError';
  }
}

/** S3 refused a request for lack of permission (HTTP 403). */
export class S3AccessDeniedError extends Error {
  constructor(
    readonly uri: string,
    /** The S3 action that was refused, e.g. `s3:GetObject`. */
    readonly action: string,
  ) {
    super(`S3 refused ${action} on ${uri} (access denied); grant this role ${action} on it.`);
    this.name = 'S3AccessDeniedError';
  }
}
