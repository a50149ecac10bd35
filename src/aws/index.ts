export * from './aws-clients';
export * from './read-secret';
export * from './run-metrics';
