import { S3ServiceException } from '@aws-sdk/client-s3';

/**
 * The HTTP status S3 answered with, or undefined for anything that is not an S3 answer (network errors).
 * HEAD answers carry no body, so S3 cannot say NoSuchKey or NoSuchBucket there; the status is all there is.
 */
export function s3HttpStatus(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}
