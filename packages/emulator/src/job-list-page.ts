/**
 * One page of a "Get All Jobs" answer (ingest or query jobs): `done`, the page's `records` and, when more
 * jobs follow, a `nextRecordsUrl` carrying the next page's start as `queryLocator`.
 */
export function jobListPage<J extends { readonly apiVersion: number }>(
  jobs: Iterable<J>,
  kind: 'ingest' | 'query',
  locator: string | undefined,
  pageSize: number,
  info: (job: J) => Record<string, unknown>,
): Record<string, unknown> {
  const all = [...jobs];
  const start = locator ? Number(locator) : 0;
  const page = all.slice(start, start + pageSize);
  const next = start + pageSize < all.length ? String(start + pageSize) : null;
  return {
    done: next === null,
    records: page.map(info),
    nextRecordsUrl:
      next === null
        ? null
        : `/services/data/v${page[0]?.apiVersion.toFixed(1) ?? '66.0'}/jobs/${kind}?queryLocator=${next}`,
  };
}
