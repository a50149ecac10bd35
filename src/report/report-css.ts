/** The look of both HTML reports: the demo's (src/demo) and `sfetl report`'s. */
export const REPORT_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1100px; color: #1d2733; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #5b6776; margin: 0 0 12px; }
.status { padding: 10px 14px; border-radius: 6px; margin: 12px 0; }
.status.ok { background: #e6f4ea; border: 1px solid #8cc79a; } .status.bad { background: #fdecea; border: 1px solid #e39a93; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e7ec; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.fields { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; min-width: 300px; }
td.error { min-width: 260px; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; }
.chart { max-width: 100%; height: auto; font-size: 12px; }
.chart .label, .chart .axis, .chart .legend { fill: #3c4856; }
.chart .value { fill: #1d2733; font-weight: 600; }
.bar-chart rect { fill: #3b82c4; } .bar-chart .ok rect { fill: #3f9d5a; } .bar-chart .warn rect { fill: #e0a030; } .bar-chart .bad rect { fill: #d0493e; }
.run-chart .grid { stroke: #e3e7ec; } .run-chart polyline { fill: none; stroke-width: 2; }
.s0 { stroke: #3b82c4; fill: #3b82c4; } .s1 { stroke: #3f9d5a; fill: #3f9d5a; } .s2 { stroke: #e0a030; fill: #e0a030; }
.s3 { stroke: #8a5cc2; fill: #8a5cc2; } .s4 { stroke: #d0493e; fill: #d0493e; } .s5 { stroke: #5b6776; fill: #5b6776; }
.run-chart .series text { stroke: none; } .run-chart .series .value { fill: inherit; } .run-chart polyline { fill: none; }
.agree { color: #2d7a45; font-weight: 600; } .disagree { color: #b3261e; font-weight: 600; }
`;
