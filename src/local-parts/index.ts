export * from './moto-server';
export * from './local-parts';
export * from './fault-proxy';
