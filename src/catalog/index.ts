export * from './log-layout';
export * from './log-catalog';
