export * from './preflight';
export * from './bulk-job-runner';
export * from './load-events';
export * from './object-loader';
export * from './load-run';
export * from './csv-splitter';
export * from './parquet-log-writer';
