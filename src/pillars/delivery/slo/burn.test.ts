// Burn rates against hand-computed values and a property: a constant error ratio r burns at
// r / (1 − objective) in every window; a window with too little data has no burn rate.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SloConfig } from '../config.js';
import { burnOver, burnReport } from './burn.js';

const AT = Date.parse('2026-12-06T12:00:00Z');
const avail: SloConfig = { name: 'checkout', environment: 'prod', kind: 'availability', objective: 99, window: '30d' };
const perMinute = (minutes: number, v: (i: number) => number) => Array.from({ length: minutes }, (_, i) => ({ t: AT - (minutes - i) * 60_000, v: v(i) }));

describe('burn rates', () => {
  it('error minutes / allowed minutes: 6 bad minutes at 100 % errors in the last hour of a 99 % SLO burn 10×', () => {
    const s = perMinute(24 * 60, (i) => (i >= 24 * 60 - 6 ? 1 : 0));
    const w = burnOver(avail, s, AT, 3_600_000, '1h');
    // allowed = 1 % of 60 covered minutes = 0.6; actual = 6 → burn 10.
    expect(w).toEqual({ window: '1h', burn: 10, error_minutes: 6, covered_minutes: 60 });
    expect(burnOver(avail, s, AT, 24 * 3_600_000, '24h').burn).toBeCloseTo(6 / (0.01 * 1440), 4);
  });
  it('latency SLO: minutes whose p95 is above the threshold are bad minutes', () => {
    const lat: SloConfig = { ...avail, kind: 'latency', latencyMs: 500, objective: 99.9 };
    const s = perMinute(60, (i) => (i % 20 === 0 ? 900 : 200));
    expect(burnOver(lat, s, AT, 3_600_000, '1h')).toMatchObject({ error_minutes: 3, burn: 50 });
  });
  it('a constant error ratio burns at ratio / (1 − objective) in every covered window', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(99, 99.5, 99.9), (r, objective) => {
        const rep = burnReport(
          { ...avail, objective },
          perMinute(3 * 24 * 60, () => r),
          new Date(AT),
        );
        for (const w of rep.windows) expect(w.burn).toBeCloseTo(r / (1 - objective / 100), 3);
      }),
      { numRuns: 100 },
    );
  });
  it('a window less than half covered has no burn rate; none at all is reported as no data', () => {
    const rep = burnReport(
      avail,
      perMinute(20, () => 1),
      new Date(AT),
    );
    expect(rep.windows.map((w) => w.burn)).toEqual([null, null, null]);
    expect(rep.blocked).toBe(false);
    expect(rep.reason).toMatch(/no samples cover/);
  });
  it('blocks only when both windows of a pair burn above its factor (a short spike alone does not)', () => {
    // 10 minutes of total failure just now: 1h burn 16.7 and 5m burn 100 > 14.4 → blocked.
    const spikeNow = burnReport(
      avail,
      perMinute(3 * 24 * 60, (i) => (i >= 3 * 24 * 60 - 10 ? 1 : 0)),
      new Date(AT),
    );
    expect(spikeNow.blocked).toBe(true);
    expect(spikeNow.reason).toMatch(/1h burn 16\.6667 and 5m burn 100 above 14\.4/);
    // The same spike 40 minutes ago: the 1h window still burns, the 5m window has recovered → not blocked.
    const recovered = burnReport(
      avail,
      perMinute(3 * 24 * 60, (i) => (i >= 3 * 24 * 60 - 50 && i < 3 * 24 * 60 - 40 ? 1 : 0)),
      new Date(AT),
    );
    expect(recovered.windows[0]!.burn).toBeGreaterThan(14.4);
    expect(recovered.blocked).toBe(false);
  });
});
