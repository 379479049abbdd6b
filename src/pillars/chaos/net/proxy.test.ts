// The burst model: over many connections the drop share is the asked loss and drops come in runs
// of the asked mean length; the same seed drops the same connections.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/synth/generate.js';
import { burstDropper } from './proxy.js';

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
