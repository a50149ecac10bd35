export * from './sample-data';
export * from './demo-report';
export * from './build-demo-report';
export * from './render-report-html';
