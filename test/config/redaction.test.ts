import { redactUrl } from '../../src/config';

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
