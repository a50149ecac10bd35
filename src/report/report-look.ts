// The parts both HTML reports are built from (the demo's and `sfetl report`'s): the runner bundles them for the
// deployed report step, so they live here and the demo imports them, never the other way round.
export { failureTableHtml } from './failure-rows-html';
export type { FailedRowSample } from './failure-rows-html';
export { formatRate } from './format-rate';
export { escapeHtml } from './html-escape';
export { REPORT_CSS } from './report-css';
export { reportPage } from './report-page';
export { svgBarChart } from './svg-bar-chart';
export { svgRunChart } from './svg-run-chart';
