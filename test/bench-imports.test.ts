// Benchmarks use ci-intel the way a user's code would: through the package's entry points
// ('ci-intel', 'ci-intel/parsers' — package.json "exports"), never files under dist/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const benches = readdirSync(path.join(root, 'bench'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => path.join('bench', f));

describe('benchmarks', () => {
  it('import only the package entry points', () => {
    expect(benches.length).toBeGreaterThan(5);
    const bad = benches.flatMap((f) =>
      [...readFileSync(path.join(root, f), 'utf8').matchAll(/(?:from\s+|import\()[^;\n]*?dist\/[^'"`]*\.js/g)].map((m) => `${f}: ${m[0]}`),
    );
    expect(bad).toEqual([]);
  });

  it('find every name they import in the built entry points', async () => {
    const entries: Record<string, Record<string, unknown>> = {
      'ci-intel': (await import(path.join(root, 'dist/index.js'))) as Record<string, unknown>,
      'ci-intel/parsers': (await import(path.join(root, 'dist/parsers.js'))) as Record<string, unknown>,
    };
    const missing: string[] = [];
    for (const f of benches) {
      const text = readFileSync(path.join(root, f), 'utf8');
      for (const m of text.matchAll(/import \{([^}]*)\} from '(ci-intel(?:\/parsers)?)'|const \{([^}]*)\} = await import\('(ci-intel(?:\/parsers)?)'\)/g)) {
        const names = (m[1] ?? m[3])!.split(',').map((n) => n.trim().split(/\s+as\s+|:\s*/)[0]!);
        for (const n of names) if (n && !(n in entries[(m[2] ?? m[4])!]!)) missing.push(`${f}: ${n}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
