export * from './salesforce-credentials';
export * from './salesforce-api';
export * from './org-identity';
