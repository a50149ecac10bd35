import { Stack } from 'aws-cdk-lib';

/** An S3 object given as `s3://bucket/key` (tokens allowed in the bucket part). */
export class S3Location {
  /** Parses `s3://bucket/key`; the key must not be empty or end with `/`. */
  static fromUri(uri: string): S3Location {
    const match = /^s3:\/\/([^/]+)\/(.*[^/])$/.exec(uri);
    if (match === null) throw new Error(`"${uri}" is not an S3 object URI (s3://bucket/key)`);
    return new S3Location(match[1], match[2]);
  }

  constructor(
    readonly bucketName: string,
    readonly key: string,
  ) {}

  get uri(): string {
    return `s3://${this.bucketName}/${this.key}`;
  }

  objectArn(stack: Stack): string {
    return `arn:${stack.partition}:s3:::${this.bucketName}/${this.key}`;
  }
}
