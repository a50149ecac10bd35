/** A success rate as the report and the summary print it: two decimals and a percent sign ("n/a" for 0 rows). */
export function formatRate(success: number, rows: number): string {
  return rows === 0 ? 'n/a' : `${((100 * success) / rows).toFixed(2)}%`;
}
