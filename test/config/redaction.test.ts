import { redactSecrets, redactUrl } from '../../src/config';

describe('redactUrl', () => {
  test.each([
    ['http://admin:pw@host/x?y=1', 'http://***@host/x?y=1'],
    ['https://user@host', 'https://***@host'],
    ['a password with an @: http://admin:p@ss@host/x', 'a password with an @: http://***@host/x'],
    ['a password with quotes: http://u:p"w\'d@host', 'a password with quotes: http://***@host'],
    [
      'slashes left out or turned: http:admin:pw@host http:\\\\admin:pw@host',
      'slashes left out or turned: http:***@host http:\\\\***@host',
    ],
    ['percent-encoded: http://%61dmin:p%40w@host', 'percent-encoded: http://***@host'],
    [
      'two URLs: s3://k:s@bucket/key and https://u:p@h.example.com:8443/',
      'two URLs: s3://***@bucket/key and https://***@h.example.com:8443/',
    ],
  ])('%s', (text, redacted) => {
    expect(redactUrl(text)).toBe(redacted);
  });

  test.each([
    'https://acme.my.salesforce.com/services/data/v66.0',
    'an @ in a path or query is not user info: https://host/a@b?c=d@e',
    'an e-mail address: ng@example.com',
    'a path: /tmp/sfetl/config.yaml',
  ])('leaves text without user info as it is: %s', (text) => {
    expect(redactUrl(text)).toBe(text);
  });
});

describe('redactSecrets', () => {
  const SESSION = '00D5g000004XyZa!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8Eo';
  const KEY = [
    '-----BEGIN PRIVATE KEY-----',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
    'x9Yb',
    '-----END PRIVATE KEY-----',
  ].join('\n');

  test.each([
    [
      'an Authorization header, scheme and all',
      `Authorization: Bearer ${SESSION}\nAccept: */*`,
      'Authorization: ***\nAccept: */*',
    ],
    ['an Authorization header in JSON', '{"authorization":"OAuth abc123def"}', '{"authorization":"***"}'],
    ['a server variable', 'HTTP_AUTHORIZATION=Bearer t0ken-value; next=1', 'HTTP_AUTHORIZATION=***; next=1'],
    ['a bearer token alone', '<td>Bearer tok123456</td>', '<td>Bearer ***</td>'],
    ['a Salesforce session id', `session ${SESSION} ended`, 'session *** ended'],
    ['a JWT', 'assertion eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln was refused', 'assertion *** was refused'],
    [
      'OAuth parameters in a form',
      'grant_type=x&access_token=a1&refresh_token=r1&client_secret=s1&assertion=j1&password=p1',
      'grant_type=x&access_token=***&refresh_token=***&client_secret=***&assertion=***&password=***',
    ],
    ['OAuth parameters in escaped JSON', '{\\"access_token\\":\\"a1\\"}', '{\\"access_token\\":\\"***\\"}'],
    ['URL user info', 'from http://admin:pw@proxy:3128/', 'from http://***@proxy:3128/'],
  ])('%s', (_, text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted);
  });

  test('the given secrets: a whole value, and each long line of a multi-line one however it is joined', () => {
    const echoed = `secret=plain-s3cret-value key ${KEY} escaped ${KEY.replace(/\n/g, '\\n')}`;
    const redacted = redactSecrets(echoed, ['plain-s3cret-value', KEY]);
    expect(redacted).not.toContain('plain-s3cret-value');
    expect(redacted).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7');
    expect(redacted).toBe(
      // The armour lines are long enough to count as lines of the secret too; a short last line is left.
      'secret=*** key *** escaped ***\\n***\\nx9Yb\\n***',
    );
  });

  test('prose about OAuth and tokens is left as it is', () => {
    const text = 'the OAuth configuration of the connected app refused the token request (grant_type unsupported)';
    expect(redactSecrets(text)).toBe(text);
  });
});
