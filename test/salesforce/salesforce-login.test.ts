import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  LoginUnreachableError,
  SalesforceApi,
  SalesforceAuthError,
  SessionOrgChangedError,
  TokenResponseError,
} from '../../src/salesforce';

/** Issue 15 item 9: a login URL that does not answer, or answers with a web page, is not "refused credentials". */

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** A loopback HTTP server answering every request with `handler`; its URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A loopback URL nothing listens on. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function api(loginUrl: string, loginTimeoutMs?: number): SalesforceApi {
  return new SalesforceApi({
    instanceUrl: 'https://acme.my.salesforce.com',
    loginUrl,
    apiVersion: '66.0',
    credentials: { type: 'client_credentials', clientId: '3MVG9-test', clientSecret: 'not-a-real-secret' },
    loginTimeoutMs,
  });
}

async function loginError(a: SalesforceApi): Promise<Error> {
  try {
    await a.login();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the login to fail');
}

describe('a login URL that cannot be reached', () => {
  test('connection refused: LoginUnreachableError with what the network said', async () => {
    const url = await closedUrl();
    const err = await loginError(api(url));
    expect(err).toBeInstanceOf(LoginUnreachableError);
    expect(err).toMatchObject({
      loginUrl: url,
      reason: expect.stringMatching(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/),
    });
  });

  test('a host name that does not resolve', async () => {
    const err = await loginError(api('https://sfetl-login-test.invalid'));
    expect(err).toBeInstanceOf(LoginUnreachableError);
    expect((err as LoginUnreachableError).reason).toMatch(
      /^getaddrinfo (ENOTFOUND|EAI_AGAIN) sfetl-login-test\.invalid$/,
    );
  });

  test('no answer in time', async () => {
    const url = await serve(() => undefined); // takes the request, never answers
    const err = await loginError(api(url, 300));
    expect(err).toBeInstanceOf(LoginUnreachableError);
    expect((err as LoginUnreachableError).reason).toBe('no answer within 0.3 s');
  });
});

describe('a login URL that answers, but not as a token endpoint', () => {
  test('an HTML page (HTTP 200): TokenResponseError with the status and content type, not the page', async () => {
    const url = await serve((_, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<html><body>Welcome to our portal</body></html>');
    });
    const err = await loginError(api(url));
    expect(err).toBeInstanceOf(TokenResponseError);
    expect(err).toMatchObject({ loginUrl: url, status: 200, contentType: 'text/html; charset=utf-8' });
    expect(err.message).not.toContain('Welcome');
  });

  test('a 404 page', async () => {
    const url = await serve((_, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    });
    expect(await loginError(api(url))).toMatchObject({ status: 404, contentType: 'text/html' });
  });

  test('JSON that is not an object', async () => {
    const url = await serve((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('["not", "a", "token"]');
    });
    expect(await loginError(api(url))).toBeInstanceOf(TokenResponseError);
  });

  test("the org's refusal (JSON error) is still a refusal of the credentials", async () => {
    const url = await serve((_, res) => {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_client', error_description: 'invalid client credentials' }));
    });
    const err = await loginError(api(url));
    expect(err).toBeInstanceOf(SalesforceAuthError);
    expect(err).toMatchObject({ error: 'invalid_client', description: 'invalid client credentials' });
  });
});

describe('a session renewed mid-run', () => {
  test('must lead to the org checked after the first login: another org stops the run', async () => {
    let org = '00D000000000001AAA';
    const url = await serve((_, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          access_token: `${org.slice(0, 15)}!token`,
          instance_url: 'https://acme.my.salesforce.com',
          id: `https://login.salesforce.com/id/${org}/005000000000001AAA`,
        }),
      );
    });
    const a = api(url);
    await a.login();
    // The same org, the id written in its 15-character form: a renewal like any other.
    org = '00D000000000001';
    await a.login();
    expect(a.identity).toMatchObject({ orgId: '00D000000000001' });
    org = '00D000000000002AAA';
    const err = await loginError(a);
    expect(err).toBeInstanceOf(SessionOrgChangedError);
    expect(err.message).toBe(
      `a renewed session from ${url} belongs to https://acme.my.salesforce.com (org 00D000000000002AAA), not to https://acme.my.salesforce.com (org 00D000000000001) that this run checked and loads into; the run stops: check the environment's secret and loginUrl, then run again (a rerun resumes)`,
    );
    // The session of the checked org is kept: nothing goes to the other org.
    expect(a.identity).toMatchObject({ orgId: '00D000000000001' });
  });
});
