import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leadTimes, type CommitNode } from './leadtime.js';

const H = 3_600_000;
const graphOf = (edges: Array<[string, string[], number | null]>) => new Map<string, CommitNode>(edges.map(([sha, parents, at]) => [sha, { parents, at }]));

describe('lead time by exact ancestry', () => {
  // a ← b ← c ← d (main), e branches off b and merges into d as m
  const g = graphOf([
    ['a', [], 0],
    ['b', ['a'], 1 * H],
    ['e', ['b'], 2 * H],
    ['c', ['b'], 3 * H],
    ['m', ['c', 'e'], 4 * H],
    ['f', ['m'], 10 * H],
  ]);

  it('the first deployment is a baseline: no months-long lead time for history before it', () => {
    const r = leadTimes([{ deployment_id: 'd1', commit_sha: 'b', deployed_at: 2000 * H }], g);
    expect(r.baseline).toBe('d1');
    expect(r.samples).toEqual([]);
  });

  it('attributes each commit to the first deployment containing it, including merged branch commits', () => {
    const r = leadTimes(
      [
        { deployment_id: 'd1', commit_sha: 'b', deployed_at: 1.5 * H },
        { deployment_id: 'd2', commit_sha: 'm', deployed_at: 5 * H },
        { deployment_id: 'd3', commit_sha: 'f', deployed_at: 12 * H },
      ],
      g,
    );
    const by = Object.fromEntries(r.samples.map((s) => [s.commit_sha, [s.deployment_id, s.lead_time_s]]));
    expect(by).toEqual({ c: ['d2', 2 * 3600], e: ['d2', 3 * 3600], m: ['d2', 1 * 3600], f: ['d3', 2 * 3600] });
  });

  it('a redeploy of an older commit (rollback) ships nothing new; unknown commits are unlinked, not guessed', () => {
    const r = leadTimes(
      [
        { deployment_id: 'd1', commit_sha: 'c', deployed_at: 3.5 * H },
        { deployment_id: 'd2', commit_sha: 'b', deployed_at: 4 * H },
        { deployment_id: 'd3', commit_sha: 'zzz', deployed_at: 5 * H },
        { deployment_id: 'd4', commit_sha: 'f', deployed_at: 11 * H },
      ],
      g,
    );
    expect(r.unlinked).toEqual(['d3']);
    expect(r.samples.map((s) => s.deployment_id)).toEqual(['d4', 'd4', 'd4']);
    expect(r.samples.map((s) => s.commit_sha).sort()).toEqual(['e', 'f', 'm']);
  });

  it('an unlinked first deployment does not become the baseline (the next linked one does)', () => {
    const r = leadTimes(
      [
        { deployment_id: 'd0', commit_sha: null, deployed_at: 1 * H },
        { deployment_id: 'd1', commit_sha: 'f', deployed_at: 11 * H },
      ],
      g,
    );
    expect(r.baseline).toBe('d1');
    expect(r.samples).toEqual([]);
  });

  it('property: every sampled commit is an ancestor of its deployment and of no earlier one, each at most once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(20), fc.nat(20)), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(30), { minLength: 1, maxLength: 8 }),
        (edgeSeeds, deploySeeds) => {
          // A random DAG over c0..cN: parents have smaller indexes.
          const n = edgeSeeds.length;
          const graph = new Map<string, CommitNode>();
          edgeSeeds.forEach(([p1, p2], i) => {
            const parents = i === 0 ? [] : [...new Set([`c${p1 % i}`, `c${p2 % i}`])];
            graph.set(`c${i}`, { parents, at: i * 1000 });
          });
          const deps = deploySeeds.map((s, k) => ({ deployment_id: `d${k}`, commit_sha: `c${s % n}`, deployed_at: 100_000 + k }));
          const r = leadTimes(deps, graph);
          const ancestors = (sha: string) => {
            const seen = new Set<string>();
            const st = [sha];
            while (st.length) {
              const x = st.pop()!;
              if (seen.has(x)) continue;
              seen.add(x);
              st.push(...graph.get(x)!.parents);
            }
            return seen;
          };
          const seen = new Set<string>();
          for (const s of r.samples) {
            expect(seen.has(s.commit_sha)).toBe(false);
            seen.add(s.commit_sha);
            const k = Number(s.deployment_id.slice(1));
            expect(ancestors(deps[k]!.commit_sha).has(s.commit_sha)).toBe(true);
            for (let j = 0; j < k; j++) expect(ancestors(deps[j]!.commit_sha).has(s.commit_sha)).toBe(false);
            expect(s.lead_time_s).toBe((s.deployed_at - s.committed_at) / 1000);
          }
          // Nothing sampled from the baseline's own history.
          for (const a of ancestors(deps[0]!.commit_sha)) expect(seen.has(a)).toBe(false);
        },
      ),
    );
  });
});
