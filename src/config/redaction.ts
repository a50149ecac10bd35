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
