export * from './aws-clients';
export * from './read-secret';
