export * from './log-layout';
export * from './log-catalog';
export * from './named-queries';
export * from './local-log-query';
export * from './state-layout';
