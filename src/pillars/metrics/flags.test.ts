// Reading an Unleash features export: states (stale wins), sorting, and errors naming the JSON pointer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUnleashFeatures } from './flags.js';

describe('Unleash features export', () => {
  it('reads every flag with its state, sorted by name', () => {
    const flags = parseUnleashFeatures(readFileSync(new URL('./fixtures/unleash/features.json', import.meta.url), 'utf8'), 'features.json');
    expect(flags.map((f) => [f.name, f.state, f.flag_type])).toEqual([
      ['checkout.new-payment-flow', 'enabled', 'release'],
      ['legacy.old-cart', 'stale', 'kill-switch'],
      ['ops.maintenance-banner', 'disabled', 'operational'],
      ['search.semantic-ranking', 'disabled', 'experiment'],
    ]);
    expect(flags[1]!.created_at!.toISOString()).toBe('2025-06-10T08:00:00.000Z');
  });
  it('names the place of what it cannot read', () => {
    expect(() => parseUnleashFeatures('{"toggles": []}', 'f.json')).toThrow(expect.objectContaining({ where: 'f.json#/features' }));
    expect(() => parseUnleashFeatures('{"features": [{"name": "a", "enabled": "yes"}]}', 'f.json')).toThrow(
      expect.objectContaining({ where: 'f.json#/features/0/enabled' }),
    );
    expect(() => parseUnleashFeatures('{"features": [{"name": "a", "enabled": true}, {"name": "a", "enabled": false}]}', 'f.json')).toThrow(/listed twice/);
    expect(() => parseUnleashFeatures('{"features": [{"name": "a", "enabled": true, "createdAt": "soon"}]}', 'f.json')).toThrow(
      expect.objectContaining({ where: 'f.json#/features/0/createdAt' }),
    );
  });
});
