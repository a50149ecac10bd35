import { escapeHtml } from './html-escape';

/** A failed row as both HTML reports list it (the demo's DemoFailure, `sfetl report`'s ReportFailure). */
export interface FailureRowView {
  readonly env: string;
  readonly object: string;
  readonly runId: string;
  readonly key: string;
  readonly code: string;
  readonly error: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** The `<tr>` lines of the failure sample table, every value escaped. */
export function failureRowsHtml(failures: readonly FailureRowView[]): string {
  return failures
    .map(
      (f) =>
        `<tr class="failure"><td>${escapeHtml(f.env)}</td><td>${escapeHtml(f.object)}</td><td><code>${escapeHtml(f.runId)}</code></td>` +
        `<td class="key">${escapeHtml(f.key)}</td><td class="code"><code>${escapeHtml(f.code)}</code></td><td class="error">${escapeHtml(f.error)}</td>` +
        `<td class="fields">${escapeHtml(
          Object.entries(f.fields)
            .map(([k, v]) => `${k}=${v}`)
            .join(' · '),
        )}</td></tr>`,
    )
    .join('\n');
}
