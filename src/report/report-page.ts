import { escapeHtml } from './html-escape';
import { REPORT_CSS } from './report-css';

/** A whole report page: one self-contained HTML file with the reports' shared style sheet inline. */
export function reportPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
