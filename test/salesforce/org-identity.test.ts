import { identityFromToken } from '../../src/salesforce';

const CONFIGURED = 'https://acme.my.salesforce.com';

/** A token response as Salesforce sends it for the client credentials and JWT bearer flows. */
const TOKEN = {
  access_token: '00D5g000004XyZa!AQ0AQ…',
  instance_url: 'https://acme.my.salesforce.com/',
  id: 'https://login.salesforce.com/id/00D5g000004XyZaEAK/0055g00000C8fTbAAJ',
  token_type: 'Bearer',
  issued_at: '1767225600000',
};

describe('the org a token response names', () => {
  test('instance_url without its trailing slash, org and user id from the identity URL', () => {
    expect(identityFromToken(TOKEN, CONFIGURED)).toEqual({
      instanceUrl: 'https://acme.my.salesforce.com',
      orgId: '00D5g000004XyZaEAK',
      userId: '0055g00000C8fTbAAJ',
    });
  });

  test('15-character ids in the identity URL are read too', () => {
    expect(
      identityFromToken({ ...TOKEN, id: 'https://test.salesforce.com/id/00D5g000004XyZa/0055g00000C8fTb' }, CONFIGURED),
    ).toMatchObject({
      orgId: '00D5g000004XyZa',
      userId: '0055g00000C8fTb',
    });
  });

  test.each([
    ['no id', undefined],
    ['an id that is not a URL', 'not a url'],
    ['an identity URL with another path', 'https://login.salesforce.com/services/oauth2/userinfo'],
    [
      'an identity URL whose first id is not an org id',
      'https://login.salesforce.com/id/0055g00000C8fTbAAJ/00D5g000004XyZaEAK',
    ],
  ])('%s: no org id (a pinned orgId then cannot be confirmed)', (_, id) => {
    const identity = identityFromToken({ ...TOKEN, id }, CONFIGURED);
    expect(identity).toEqual({ instanceUrl: 'https://acme.my.salesforce.com' });
  });

  test('no instance_url: the configured instance URL stands in', () => {
    expect(identityFromToken({ access_token: 'x' }, CONFIGURED)).toEqual({ instanceUrl: CONFIGURED });
  });
});
