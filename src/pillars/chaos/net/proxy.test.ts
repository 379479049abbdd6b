// The burst model: over many connections the drop share is the asked loss and drops come in runs
// of the asked mean length; the same seed drops the same connections. The clean path (no toxic,
// reads handed straight to the client's write) delivers every byte in order, both ways, to a
// client that reads slowly (so the upstream side is paused and resumed by backpressure).
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/synth/generate.js';
import { burstDropper, startProxy } from './proxy.js';

function sample(seed: number, loss: number, burst: number, n = 20_000): boolean[] {
  const next = burstDropper(createRng(seed), loss, burst);
  return Array.from({ length: n }, () => next());
}

function runs(xs: boolean[]): number[] {
  const out: number[] = [];
  let len = 0;
  for (const x of xs) {
    if (x) len++;
    else if (len) {
      out.push(len);
      len = 0;
    }
  }
  if (len) out.push(len);
  return out;
}

describe('burstDropper', () => {
  it.each([
    [0.3, 1],
    [0.3, 4],
    [0.05, 3],
    [0.6, 2],
  ])('loss %d with bursts of %d: share and mean run length as asked', (loss, burst) => {
    const xs = sample(17, loss, burst);
    const share = xs.filter(Boolean).length / xs.length;
    expect(Math.abs(share - loss)).toBeLessThan(0.03);
    const r = runs(xs);
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    // A burst of 1 is independent drops: runs then average 1 / (1 - loss).
    const expected = burst === 1 ? 1 / (1 - loss) : burst;
    expect(Math.abs(mean - expected) / expected).toBeLessThan(0.12);
  });

  it('is all or nothing at the ends, and replays from the seed', () => {
    expect(sample(1, 1, 3, 100).every(Boolean)).toBe(true);
    expect(sample(1, 0, 3, 100).some(Boolean)).toBe(false);
    expect(sample(5, 0.4, 3)).toEqual(sample(5, 0.4, 3));
    expect(sample(5, 0.4, 3)).not.toEqual(sample(6, 0.4, 3));
  });
});

describe('the clean path', () => {
  it('delivers 24 MiB down and 1 MiB up intact through --upstream, to a client that reads slowly; the upstream’s end reaches the client', async () => {
    const down = randomBytes(24 << 20);
    const up = randomBytes(1 << 20);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    let gotUp = '';
    const server = net.createServer((s) => {
      const h = createHash('sha256');
      let n = 0;
      s.on('error', () => {});
      // The proxy closes both sides together (no half-close), so the answer starts once all is in.
      s.on('data', (b: Buffer) => {
        h.update(b);
        n += b.length;
        if (n === up.length) {
          gotUp = h.digest('hex');
          s.end(down);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const proxy = await startProxy({ upstream: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port } });
    try {
      const got = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const c = net.connect({ host: '127.0.0.1', port: proxy.port }, () => c.write(up));
        c.on('error', reject);
        // Slow reader: pause after each chunk, resume on a timer, so the proxy's writes back up.
        c.on('data', (b: Buffer) => {
          chunks.push(b);
          c.pause();
          setTimeout(() => c.resume(), chunks.length % 8 === 0 ? 5 : 0);
        });
        c.on('end', () => resolve(Buffer.concat(chunks)));
      });
      expect(gotUp).toBe(sha(up));
      expect(got.length).toBe(down.length);
      expect(sha(got)).toBe(sha(down));
    } finally {
      await proxy.close();
      server.close();
    }
  });
});
