export * from './exit-codes';
export * from './main';
