export * from './salesforce-credentials';
export * from './salesforce-api';
export * from './org-identity';
export * from './login-unreachable-error';
export * from './token-response-error';
export * from './session-org-changed-error';
export type { UndecodedFetch } from './undecoded-fetch';
export { undecodedFetch } from './undecoded-fetch';
