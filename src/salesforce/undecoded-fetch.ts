import { IncomingHttpHeaders, IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gunzipSync } from 'node:zlib';

/**
 * Sends a request without a body and answers as fetch does, except that a successful answer's body is handed
 * over as it came on the wire: a `Content-Encoding: gzip` answer stays compressed, for the caller to decompress.
 * An error answer (not 2xx) comes decoded, as fetch gives it: its JSON says what went wrong (an expired session).
 */
export type UndecodedFetch = (
  url: string,
  init: { readonly method: string; readonly headers: Record<string, string> },
) => Promise<Response>;

/**
 * How long an answer may keep us waiting for its headers or its next bytes: what undici's fetch, used before
 * for the same downloads, allows by default (`headersTimeout` and `bodyTimeout`, 300 s each).
 */
const IDLE_TIMEOUT_MS = 300_000;

/** Statuses whose answer has no body (a Response refuses one). */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304]);

/**
 * An {@link UndecodedFetch} over node:http(s). Node's fetch (undici) decompresses every gzip answer itself, even
 * when the caller set `Accept-Encoding`, and keeps the `Content-Encoding` header, so its body cannot tell
 * whether it was decoded; it also ends a gzip body cut short without an error (it decodes with
 * `Z_SYNC_FLUSH`). Here the caller sees the bytes as sent and decodes them strictly. The body is read only
 * as fast as the caller consumes it.
 */
export function undecodedFetch(idleTimeoutMs = IDLE_TIMEOUT_MS): UndecodedFetch {
  return (url, { method, headers }) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(target, { method, headers }, (res) => {
        const status = res.statusCode ?? 500;
        if (status < 200 || status > 299) {
          errorAnswer(res).then(resolve, reject);
          return;
        }
        if (NULL_BODY_STATUSES.has(status)) res.resume();
        resolve(
          new Response(NULL_BODY_STATUSES.has(status) ? null : ReadableStream.from<Uint8Array>(res), {
            status,
            statusText: res.statusMessage,
            headers: responseHeaders(res.headers),
          }),
        );
      });
      // Destroying the request also fails the answer's body (node:http "aborted"), so a stalled download ends.
      req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no answer for ${idleTimeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end();
    });
}

/**
 * An error answer read whole (error bodies are short) and, when gzip-compressed, decompressed: Salesforce
 * compresses JSON answers too when asked ("Compression Headers", REST API Developer Guide), and the caller
 * reads the error code in it. A body that does not decompress is kept as it came.
 */
async function errorAnswer(res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  let body = Buffer.concat(chunks);
  const headers = responseHeaders(res.headers);
  const coding = headers.get('content-encoding')?.trim().toLowerCase();
  if (coding === 'gzip' || coding === 'x-gzip') {
    try {
      body = gunzipSync(body);
      headers.delete('content-encoding');
      headers.delete('content-length');
    } catch {
      // Not gzip after all: the message shows what came.
    }
  }
  const status = res.statusCode ?? 500;
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body, {
    status,
    statusText: res.statusMessage,
    headers,
  });
}

/** node:http's header object as fetch's Headers (repeated headers kept). */
export function responseHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}
