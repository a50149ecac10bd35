export * from './sample-data';
export * from './demo-report';
export * from './build-demo-report';
export * from './format-rate';
export * from './html-escape';
export * from './svg-bar-chart';
export * from './svg-run-chart';
export * from './render-report-html';
