/**
 * A URL's user info (`user:password@`) wherever it stands in a text: the scheme, then any slashes (URL
 * parsers read `http:admin:pw@host` and `http:\\admin:pw@host` as `http://admin:pw@host` too), then
 * everything up to the last `@` before the host, so that an unescaped `@` in a password is covered. Only
 * white space and the characters that end an authority (`/ \ ? #`) end it: a password may hold quotes,
 * and redacting a little too much is better than repeating part of a password.
 */
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:[\\/]*)[^\s/\\?#@]*(?:@[^\s/\\?#@]*)*@/gi;

/**
 * The text with the user name and password of every URL in it replaced by `***`
 * (`http://admin:pw@host/x` → `http://***@host/x`). Messages, JSON events and manifests repeat URLs
 * through this, so that credentials someone put in a URL are never repeated. Meant for a message or one
 * value: in a whole JSON document a match could run from one string into the next.
 */
export function redactUrl(text: string): string {
  return text.replace(URL_USER_INFO, '$1***@');
}

/** Authorization header values, scheme and all: `Authorization: Bearer …`, `"authorization":"OAuth …"`. */
const AUTHORIZATION = /(?<![A-Za-z0-9])(authorization)(\\?["']?\s*[:=]\s*\\?["']?)[^"'\r\n,;}<\\]+/gi;
/**
 * A bearer token wherever it stands (`Bearer …`, Salesforce's older `OAuth …`): six or more token characters
 * with a digit among them, so that prose such as "OAuth configuration" is left alone.
 */
const BEARER = /\b(Bearer|OAuth)(\s+)(?=[^\s"',;<\\]*\d)[^\s"',;<\\]{6,}/gi;
/** Values that stand under their name in JSON, a form or a header: `"access_token":"…"`, `assertion=…`. */
const NAMED_SECRET =
  /(?<![A-Za-z0-9])(access_token|refresh_token|id_token|client_secret|assertion|password)(\\?["']?\s*[:=]\s*\\?["']?)[^\s"'&,;}<\\]+/gi;
/** A Salesforce session id: the org id (`00D…`, 15 or 18 characters), `!`, then the secret part. */
const SESSION_ID = /\b00D[0-9A-Za-z]{12,15}![0-9A-Za-z._-]+/g;
/** A JSON Web Token (a JWT bearer assertion, an id token): three base64url parts, the first `{"…`. */
const JWT = /\beyJ[\w-]*\.[\w-]*\.[\w-]*/g;
/** A line of a multi-line secret (a PEM key's base64 body) long enough to be a leak on its own. */
const MIN_SECRET_LINE_CHARS = 16;

/**
 * Text that came from outside (an error body an org or a proxy sent back) with every credential in it
 * replaced by `***`: bearer tokens, Authorization header values, Salesforce session ids, JWTs, the values of
 * access_token, refresh_token, id_token, client_secret, assertion and password, URL user info, and the given
 * secret values themselves (a client secret, a private key: the whole value and each long line of it, since
 * an echo may join or escape its lines).
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  const values = secrets.flatMap((secret) => [
    secret.trim(),
    ...secret
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length >= MIN_SECRET_LINE_CHARS),
  ]);
  // The given values first, while they are whole; longest first, so a whole key goes before its lines.
  let out = text;
  for (const value of [...new Set(values)].filter((v) => v !== '').sort((a, b) => b.length - a.length)) {
    out = out.split(value).join('***');
  }
  return redactUrl(
    out
      .replace(AUTHORIZATION, '$1$2***')
      .replace(BEARER, '$1$2***')
      .replace(SESSION_ID, '***')
      .replace(JWT, '***')
      .replace(NAMED_SECRET, '$1$2***'),
  );
}
