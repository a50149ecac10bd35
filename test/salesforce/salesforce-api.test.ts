import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { IncomingMessage, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOT_CSV_ANSWER, NOT_JSON_ANSWER, SalesforceApi, SalesforceApiError } from '../../src/salesforce';
import { fakeOrg as fakeOrgWithToken, FakeOrgHandler } from '../support/fake-org';

/** An access token that looks like no known token format: only knowing the session's own token can hide it. */
const TOKEN = `plain-${randomBytes(12).toString('hex')}`;
const CLIENT_SECRET = `secret-${randomBytes(12).toString('hex')}`;

type Handler = FakeOrgHandler;

/** The org stand-in with this file's token. */
const fakeOrg = (api: Handler) => fakeOrgWithToken(TOKEN, api);

function apiFor(base: string): SalesforceApi {
  return new SalesforceApi({
    instanceUrl: base,
    loginUrl: base,
    apiVersion: '66.0',
    credentials: { type: 'client_credentials', clientId: 'client-id', clientSecret: CLIENT_SECRET },
    httpAttempts: 1,
    sleep: async () => undefined,
  });
}

async function failure(call: Promise<unknown>): Promise<SalesforceApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SalesforceApiError)) throw new Error(`expected a SalesforceApiError, got ${String(error)}`);
  return error;
}

describe('SalesforceApi: answers that are not the API’s JSON', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  const start = async (api: Handler) => {
    const org = await fakeOrg(api);
    servers.push(org.server);
    return org.base;
  };

  test('an HTML page with status 200 is a SalesforceApiError naming the content type, the path and what to check', async () => {
    const base = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Down for maintenance</title></head><body>Back soon</body></html>');
    });
    const error = await failure(apiFor(base).query('SELECT Id FROM Contact'));
    expect(error).toMatchObject({
      status: 200,
      errorCode: NOT_JSON_ANSWER,
      method: 'GET',
      path: '/services/data/v66.0/query',
    });
    expect(error.message).toBe(
      `GET /services/data/v66.0/query: HTTP 200 ${NOT_JSON_ANSWER}: the org answered with text/html instead of JSON; ` +
        `check that ${base} is the org's instance URL (instanceUrl in the configuration), that no proxy answers in its place, ` +
        'and whether the org shows a maintenance page',
    );
    // The query string (the SOQL) is not repeated.
    expect(error.message).not.toContain('SELECT');
  });

  test("a web page where a job's result CSV is expected is refused, not saved as the results", async () => {
    const base = await start((req, res) => {
      if (req.url?.endsWith('/successfulResults/')) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<html><head><title>Maintenance</title></head><body>sf__Id,sf__Created</body></html>');
      } else {
        res.writeHead(200, { 'Content-Type': 'text/csv' });
        res.end('"sf__Id","sf__Error","LastName"\n');
      }
    });
    const dir = mkdtempSync(join(tmpdir(), 'sfetl-api-test-'));
    try {
      const api = apiFor(base);
      await api.downloadResults('750000000000001AAA', 'failedResults', join(dir, 'failed.csv'));
      expect(readFileSync(join(dir, 'failed.csv'), 'utf8')).toBe('"sf__Id","sf__Error","LastName"\n');
      const error = await failure(api.downloadResults('750000000000001AAA', 'successfulResults', join(dir, 'ok.csv')));
      expect(error).toMatchObject({ status: 200, errorCode: NOT_CSV_ANSWER, method: 'GET' });
      expect(error.detail).toMatch(/^the org answered a job's results with text\/html instead of CSV; check that /);
      expect(existsSync(join(dir, 'ok.csv'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an answer without a content type that is not JSON says so', async () => {
    const base = await start((_req, res) => {
      res.writeHead(200);
      res.end('OK');
    });
    const error = await failure(apiFor(base).describe('Contact'));
    expect(error.errorCode).toBe(NOT_JSON_ANSWER);
    expect(error.detail).toMatch(/^the org answered with no content type instead of JSON; /);
  });

  test('a 5xx HTML error page gives its title, not the page', async () => {
    const base = await start((_req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/html' });
      res.end(`<html><head><title>503 Service\nUnavailable</title></head><body>${'x'.repeat(5_000)}</body></html>`);
    });
    const error = await failure(apiFor(base).objectNames());
    expect(error).toMatchObject({ status: 503, errorCode: 'HTTP_503' });
    expect(error.detail).toBe(
      'the org answered with text/html instead of JSON ("503 Service Unavailable"); check that instanceUrl in the ' +
        "configuration is the org's, that no proxy answers in its place, and whether the org shows a maintenance page",
    );
  });

  describe('an error body that echoes the request never puts a credential in the error', () => {
    const echo = (status: number, contentType: string, body: (req: IncomingMessage) => string): Handler => {
      return (req, res) => {
        res.writeHead(status, { 'Content-Type': contentType });
        res.end(body(req));
      };
    };

    test.each<[string, Handler]>([
      [
        'an HTML page listing the request headers',
        echo(
          500,
          'text/html',
          (req) =>
            `<html><body><h1>Proxy error</h1><pre>GET ${req.url}\nAuthorization: ${req.headers.authorization}\n` +
            `Accept: ${req.headers.accept}</pre><p>session ${TOKEN}</p></body></html>`,
        ),
      ],
      [
        'plain text with the token alone and the client secret',
        echo(502, 'text/plain', () => `upstream said: token ${TOKEN} / secret ${CLIENT_SECRET} \u001b[2J`),
      ],
      [
        "Salesforce's JSON error whose message quotes the header",
        echo(400, 'application/json', (req) =>
          JSON.stringify([
            {
              errorCode: 'INVALID_HEADER',
              message: `bad header Authorization: ${req.headers.authorization}; access_token=${TOKEN}&client_secret=${CLIENT_SECRET}`,
            },
          ]),
        ),
      ],
    ])('%s', async (_, handler) => {
      const base = await start(handler);
      const error = await failure(apiFor(base).query('SELECT Id FROM Contact'));
      expect(error.message).not.toContain(TOKEN);
      expect(error.message).not.toContain(CLIENT_SECRET);
      expect(error.message).not.toMatch(/Bearer\s+\w/);
      // eslint-disable-next-line no-control-regex
      expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(error.message.length).toBeLessThan(600);
      expect(error.message).toMatch(/^GET \/services\/data\/v66\.0\/query: HTTP \d{3} /);
    });

    test('what is left of the message still says what happened', async () => {
      const base = await start(
        echo(400, 'application/json', (req) =>
          JSON.stringify([
            { errorCode: 'INVALID_HEADER', message: `bad header Authorization: ${req.headers.authorization}` },
          ]),
        ),
      );
      const error = await failure(apiFor(base).query('SELECT Id FROM Contact'));
      expect(error.message).toBe(
        'GET /services/data/v66.0/query: HTTP 400 INVALID_HEADER: bad header Authorization: ***',
      );
    });
  });
});
