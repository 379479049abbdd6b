// The registered pillars assemble one dashboard: its navigation lists their pages, so a page id may
// be declared once, and every panel must name a page that some pillar declares (else it shows nowhere).
import { describe, expect, it } from 'vitest';
import { pillars } from './index.js';

describe('the dashboard assembled from the registered pillars', () => {
  const pages = pillars.flatMap((p) => (p.pages ?? []).map((page) => ({ ...page, pillar: p.id })));

  it("declares each page once, the run-detail page being the shell's", () => {
    const ids = pages.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain('run');
    expect(ids).toEqual(expect.arrayContaining(['overview', 'health', 'dora', 'readiness', 'cost', 'tests', 'mutation', 'cache']));
  });

  it('puts every panel on a declared page', () => {
    const declared = new Set(pages.map((p) => p.id));
    const panels = pillars.flatMap((p) => (p.panels ?? []).map((x) => `${p.id}:${x.id} -> ${x.page}`));
    expect(panels.length).toBeGreaterThan(0);
    expect(panels.filter((x) => !declared.has(x.split(' -> ')[1]!))).toEqual([]);
  });
});
