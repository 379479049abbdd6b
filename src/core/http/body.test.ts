// The request body guard: a body trickling in under the minimum rate is dropped after the grace
// period (slowloris), a normal one passes; over the cap is refused.
import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from './errors.js';
import { bodyStream, rawBodyParsers } from './index.js';

let app: FastifyInstance;
let port: number;
beforeAll(async () => {
  app = Fastify();
  installErrorHandler(app);
  await app.register(async (scoped) => {
    rawBodyParsers(scoped);
    scoped.post('/up', async (req) => {
      let n = 0;
      for await (const c of bodyStream(req, 1024 * 1024, { minBytesPerSec: 2000, graceMs: 300 })) n += (c as Buffer).length;
      return { bytes: n };
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as net.AddressInfo).port;
});
afterAll(async () => app.close());

/** Sends `total` bytes in `pieces`, `gapMs` apart, over a raw socket; resolves with the answer. */
function send(total: number, pieces: number, gapMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let answer = '';
    s.on('data', (d) => (answer += d));
    s.on('error', (e) => (answer ? resolve(answer) : reject(e)));
    s.on('close', () => resolve(answer));
    s.write(`POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${total}\r\nConnection: close\r\n\r\n`);
    let i = 0;
    const each = Math.ceil(total / pieces);
    const tick = () => {
      if (s.destroyed || answer) return;
      s.write(Buffer.alloc(Math.min(each, total - i * each), 97));
      if (++i < pieces) setTimeout(tick, gapMs);
    };
    tick();
  });
}

describe('bodyStream', () => {
  it('drops a body that arrives under the minimum rate after the grace period', async () => {
    const answer = await send(4000, 80, 50); // ~1000 B/s where 2000 B/s is needed
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('E_REQUEST_TIMEOUT');
  });
  it('lets a body at a normal rate through', async () => {
    const answer = await send(200_000, 4, 20);
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('"bytes":200000');
  });
});
