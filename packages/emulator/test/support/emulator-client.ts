import { Connection } from 'jsforce';
import { OrgEndpoint } from '../../src';

/** A jsforce 3 connection to an emulated org, authorized with the client credentials flow. */
export async function connect(org: OrgEndpoint, version = '66.0'): Promise<Connection> {
  const conn = new Connection({
    oauth2: { clientId: org.clientId, clientSecret: org.clientSecret, loginUrl: org.loginUrl },
    instanceUrl: org.instanceUrl,
    version,
  });
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

/** Generates `n` Contacts as CSV with a header row. */
export function contactsCsv(n: number, from = 0): string {
  const lines = ['Ext_Id__c,FirstName,LastName,Email,Birthdate'];
  for (let i = from; i < from + n; i++) {
    lines.push(`C-${i},First ${i},Last${i},person${i}@example.com,1990-01-${String((i % 28) + 1).padStart(2, '0')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Sets an emulated org's faults through its control endpoint. */
export async function setFaults(org: OrgEndpoint, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${org.controlUrl}/faults`, { method: 'PUT', body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`setting faults failed: ${res.status} ${await res.text()}`);
}

/** The OAuth 2.0 client-credentials flow against the org's login URL; the status and the JSON body. */
export async function token(org: OrgEndpoint, clientId = org.clientId, clientSecret = org.clientSecret) {
  const response = await fetch(`${org.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** A fresh access token of the org's client. */
export async function accessToken(org: OrgEndpoint): Promise<string> {
  const { status, body } = await token(org);
  expect(status).toBe(200);
  return body.access_token!;
}

/** One REST call under `/services/data/v<version>` with a bearer token; the status and the body (JSON or text). */
export async function api(
  org: Pick<OrgEndpoint, 'instanceUrl'>,
  bearer: string,
  path: string,
  init: { method?: string; json?: unknown; csv?: string; version?: string } = {},
) {
  const response = await fetch(`${org.instanceUrl}/services/data/v${init.version ?? '66.0'}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      Authorization: `Bearer ${bearer}`,
      ...(init.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(init.csv !== undefined ? { 'Content-Type': 'text/csv' } : {}),
    },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.csv,
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, body: (isJson && text !== '' ? JSON.parse(text) : text) as any };
}

/** Waits until an ingest job is in one of `states`; its job info then. */
export async function jobInState(
  org: Pick<OrgEndpoint, 'instanceUrl'>,
  bearer: string,
  jobId: string,
  states: readonly string[],
  timeoutMs = 10_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await api(org, bearer, `/jobs/ingest/${jobId}`);
    if (states.includes(job.body.state)) return job.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${job.body.state}, not ${states.join('/')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Bulk API 2.0 job run to its end: create (`job` is the create body), upload, close, poll; its final info. */
export async function runBulkJob(
  org: Pick<OrgEndpoint, 'instanceUrl'>,
  bearer: string,
  job: Record<string, unknown>,
  csv: string,
): Promise<Record<string, any>> {
  const created = await api(org, bearer, '/jobs/ingest', { method: 'POST', json: job });
  expect(created.status).toBe(200);
  const jobId = created.body.id as string;
  expect((await api(org, bearer, `/jobs/ingest/${jobId}/batches`, { method: 'PUT', csv })).status).toBe(201);
  expect(
    (await api(org, bearer, `/jobs/ingest/${jobId}`, { method: 'PATCH', json: { state: 'UploadComplete' } })).status,
  ).toBe(200);
  return jobInState(org, bearer, jobId, ['JobComplete', 'Failed', 'Aborted']);
}

/** A small Bulk API 2.0 insert that must complete; its job id. */
export async function bulkInsert(
  org: Pick<OrgEndpoint, 'instanceUrl'>,
  bearer: string,
  object: string,
  csv: string,
): Promise<string> {
  const job = await runBulkJob(org, bearer, { object, operation: 'insert', contentType: 'CSV', lineEnding: 'LF' }, csv);
  if (job.state !== 'JobComplete') throw new Error(`job ${job.id} ended ${job.state}: ${job.errorMessage ?? ''}`);
  return job.id as string;
}

/** A SOQL query that must succeed; its first page. */
export async function query(org: Pick<OrgEndpoint, 'instanceUrl'>, bearer: string, soql: string) {
  const result = await api(org, bearer, `/query?q=${encodeURIComponent(soql)}`);
  expect(result.status).toBe(200);
  return result.body as { totalSize: number; records: Record<string, unknown>[] };
}
