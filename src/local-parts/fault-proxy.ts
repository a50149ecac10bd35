import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { SeededRandom } from '../../packages/emulator/src';

/** Faults the proxy injects into the requests it forwards. */
export interface FaultProxyFaults {
  /** Share of requests answered 500 or 503 without being forwarded. @default 0 */
  readonly errorRate?: number;
  /** Added latency per request in milliseconds. @default 0 */
  readonly latencyMs?: number;
  /** Seed of the random choices. @default 1 */
  readonly seed?: number;
}

/**
 * An HTTP proxy on a loopback port in front of another local server (moto): it forwards requests
 * byte for byte and injects S3-style 500/503 answers and latency, so tests see the faults AWS produces.
 */
export class FaultProxy {
  static async start(target: string, faults: FaultProxyFaults = {}): Promise<FaultProxy> {
    const upstream = new URL(target);
    let proxy: FaultProxy | undefined;
    const server = createServer((req, res) => proxy!.handle(upstream, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new FaultProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, faults);
    return proxy;
  }

  private generator: SeededRandom;
  private faultCount = 0;
  private requestCount = 0;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private faults: FaultProxyFaults,
  ) {
    this.generator = new SeededRandom(faults.seed ?? 1);
  }

  configure(faults: FaultProxyFaults): void {
    this.faults = faults;
    this.generator = new SeededRandom(faults.seed ?? 1);
  }

  /** Requests seen and faults injected so far. */
  get counts(): { requests: number; faults: number } {
    return { requests: this.requestCount, faults: this.faultCount };
  }

  private random(): number {
    return this.generator.next();
  }

  private handle(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
    this.requestCount++;
    const delay = this.faults.latencyMs ?? 0;
    const fail = (this.faults.errorRate ?? 0) > 0 && this.random() < this.faults.errorRate!;
    setTimeout(() => {
      if (fail) {
        this.faultCount++;
        req.resume();
        const status = this.random() < 0.5 ? 500 : 503;
        const code = status === 500 ? 'InternalError' : 'SlowDown';
        res.writeHead(status, { 'Content-Type': 'application/xml' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the fault proxy</Message></Error>`,
        );
        return;
      }
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(forward);
    }, delay);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
