export * from './syntax-error';
