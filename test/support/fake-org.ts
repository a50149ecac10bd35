import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export type FakeOrgHandler = (req: IncomingMessage, res: ServerResponse, base: string) => void;

/**
 * A stand-in for an org (or whatever answers at its address) on loopback: the token endpoint answers as
 * Salesforce's does (org 00D000000000001EAA, token `accessToken`), every API call as `api` says.
 */
export async function fakeOrg(accessToken: string, api: FakeOrgHandler): Promise<{ base: string; server: Server }> {
  let base = '';
  const server = createServer((req, res) => {
    req.resume();
    if (req.method === 'POST' && req.url === '/services/oauth2/token') {
      res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end(
        JSON.stringify({
          access_token: accessToken,
          instance_url: base,
          id: `${base}/id/00D000000000001EAA/005000000000001AAA`,
          token_type: 'Bearer',
          issued_at: '1764979200000',
        }),
      );
      return;
    }
    api(req, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, server };
}
