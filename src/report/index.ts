export * from './run-report';
export * from './build-run-report';
export * from './render-run-report-html';
export * from './failed-rows-export';
export * from './report-look';
