// A local HTTP server standing in for a code host's REST API in tests: it records every call
// (method, path, query, JSON body, Authorization) and answers from a handler that returns the
// documented response bodies kept beside the tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, any> | null;
  headers: Record<string, string | string[] | undefined>;
}

export type ApiAnswer = [status: number, body?: unknown];

export class RecordingApi {
  calls: ApiCall[] = [];
  url = '';
  private server: Server | null = null;

  constructor(private readonly handler: (call: ApiCall) => ApiAnswer | Promise<ApiAnswer>) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += String(c)));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        const call: ApiCall = {
          method: req.method!,
          path: decodeURIComponent(url.pathname),
          query: url.searchParams,
          body: text ? JSON.parse(text) : null,
          headers: req.headers,
        };
        this.calls.push(call);
        void Promise.resolve(this.handler(call)).then(([status, body]) => {
          res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
          res.end(body === undefined ? undefined : JSON.stringify(body));
        });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** The calls as `METHOD /path` lines, in order. */
  lines(): string[] {
    return this.calls.map((c) => `${c.method} ${c.path}`);
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
