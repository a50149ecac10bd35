export * from './salesforce-credentials';
export * from './salesforce-api';
