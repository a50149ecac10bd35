import { escapeHtml } from './html-escape';

/** A failed row from the failure logs, as both HTML reports list it (`sfetl report`'s and the demo's). */
export interface FailedRowSample {
  readonly env: string;
  readonly object: string;
  readonly runId: string;
  /** The row's external id (the object's externalIdField), else its record id; '' when it has neither. */
  readonly key: string;
  /** The code before the first colon of sf__Error. */
  readonly code: string;
  readonly error: string;
  /** The row's uploaded fields (as the log files spell them) and values. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The failure sample table (`<table id="failures">`), every value escaped; `keyHeader` names the key column. */
export function failureTableHtml(failures: readonly FailedRowSample[], keyHeader: string): string {
  return `<table id="failures">
<thead><tr><th>env</th><th>object</th><th>run id</th><th>${escapeHtml(keyHeader)}</th><th>error code</th><th>error</th><th>record</th></tr></thead>
<tbody>
${failureRowsHtml(failures)}
</tbody>
</table>`;
}

/** The `<tr>` lines of the failure sample table, every value escaped. */
function failureRowsHtml(failures: readonly FailedRowSample[]): string {
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
