import { Connection } from 'jsforce';
import { OrgEndpoint } from '../../src/emulator';

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
