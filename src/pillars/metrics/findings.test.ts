import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../core/errors.js';
import { defaultCategory, parseFindings } from './findings.js';

const fx = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

describe('findings parsers (real ESLint 9 output, fixtures/make-fixtures.sh)', () => {
  it('ESLint JSON: counts errors and warnings per rule, agreeing with ESLint own totals', () => {
    const [s] = parseFindings(fx('eslint.json'), 'eslint.json');
    const raw = JSON.parse(fx('eslint.json').toString()) as Array<{ errorCount: number; warningCount: number }>;
    expect(s!.format).toBe('eslint');
    expect(s!.errors).toBe(raw.reduce((a, f) => a + f.errorCount, 0));
    expect(s!.warnings).toBe(raw.reduce((a, f) => a + f.warningCount, 0));
    expect(s!.rules).toEqual([
      { rule_id: 'no-eval', level: 'error', count: 1 },
      { rule_id: 'no-undef', level: 'error', count: 1 },
      { rule_id: 'no-unused-vars', level: 'error', count: 1 },
      { rule_id: 'eqeqeq', level: 'warning', count: 1 },
      { rule_id: 'no-var', level: 'warning', count: 1 },
    ]);
    expect(parseFindings(fx('eslint-clean.json'))[0]).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('SARIF from the ESLint formatter and from eslint-plugin-security: same counts, categories by tool', () => {
    const [lint] = parseFindings(fx('eslint.sarif'));
    const [sec] = parseFindings(fx('security.sarif'));
    expect(lint).toMatchObject({ format: 'sarif', tool: 'ESLint', errors: 3, warnings: 2 });
    expect(sec).toMatchObject({ format: 'sarif', errors: 2, warnings: 2 });
    expect(sec!.rules[0]).toMatchObject({ level: 'error' });
    expect(defaultCategory('ESLint')).toBe('quality');
    expect(defaultCategory('CodeQL')).toBe('security');
    expect(defaultCategory('Trivy')).toBe('security');
  });

  it('SARIF level defaults: the rule default configuration, else warning; suppressed and passing results do not count', () => {
    const log = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'CodeQL', rules: [{ id: 'js/sql-injection', defaultConfiguration: { level: 'error' } }, { id: 'js/unused' }] } },
          results: [
            { ruleId: 'js/sql-injection' },
            { ruleIndex: 0, level: 'note' },
            { ruleId: 'js/unused' },
            { ruleId: 'js/sql-injection', suppressions: [{ kind: 'inSource' }] },
            { ruleId: 'js/sql-injection', kind: 'pass' },
            { ruleId: 'js/sql-injection', level: 'none' },
          ],
        },
      ],
    };
    expect(parseFindings(JSON.stringify(log))[0]).toMatchObject({ tool: 'CodeQL', errors: 1, warnings: 1, notes: 1 });
  });

  it('bad input names the place', () => {
    const err = (s: string) => {
      try {
        parseFindings(s, 'x.sarif');
      } catch (e) {
        return e as CiError;
      }
      throw new Error('no error');
    };
    expect(err('{').code).toBe('E_REPORT_INVALID');
    expect(err('{"runs":[{"tool":{}}]}').where).toBe('x.sarif: /runs/0/tool/driver/name');
    expect(err('{"version":"1.0","runs":[]}').where).toBe('x.sarif: /version');
    expect(err('[{"messages":[{"severity":3}]}]').where).toBe('x.sarif: /0/messages/0/severity');
    expect(err('{"a":1}').message).toMatch(/neither a SARIF log/);
  });

  it('property: any JSON input either parses into non-negative counts or throws E_REPORT_INVALID', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          for (const s of parseFindings(JSON.stringify(v))) {
            expect(s.errors + s.warnings + s.notes).toBe(s.rules.reduce((a, r) => a + r.count, 0));
          }
        } catch (e) {
          expect((e as CiError).code).toBe('E_REPORT_INVALID');
        }
      }),
    );
  });
});
