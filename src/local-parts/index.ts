export * from './moto-server';
export * from './local-parts';
