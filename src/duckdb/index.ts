export * from './duckdb-session';
export * from './serial-queue';
