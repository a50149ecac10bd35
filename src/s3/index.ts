export * from './s3-errors';
export * from './s3-uri';
export * from './source-files';
export * from './s3-objects';
