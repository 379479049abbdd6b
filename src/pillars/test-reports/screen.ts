// A test report's cases hold text people and tools wrote — test names, failure messages with the
// values a test printed — so each case goes through the shared redactor before it is spooled:
// secrets and `redact` PII patterns are replaced; a field holding a match of a `reject` pattern is
// stored as its marker (`[REFUSED:email]`) and reported, the case's result kept (dropping the case
// would change the run's test counts, which the report's summary already holds).
import type { TestCase } from '../../core/model/index.js';
import { refusedMarker, type Redactor } from '../../core/redact/index.js';
import { piiHolds } from '../../core/redact/pii.js';

export interface RefusedCaseText {
  /** The case's place in the report (1-based, in the order the parser read them); never its text. */
  where: string;
  pointer: string;
  patterns: string[];
  code: 'E_PII_REFUSED';
  reason: string;
}

export interface CaseScreen {
  apply(c: TestCase): TestCase;
  readonly refused: RefusedCaseText[];
}

export function caseScreen(redactor: Redactor, source: string): CaseScreen {
  const refused: RefusedCaseText[] = [];
  let n = 0;
  return {
    refused,
    apply(c) {
      n++;
      const r = redactor.redactValue(c);
      if (!r.refused.length) return r.value;
      const out = { ...r.value } as unknown as Record<string, unknown>;
      const byField = new Map<string, string[]>();
      for (const f of r.refused) byField.set(f.pointer, [...(byField.get(f.pointer) ?? []), f.rule]);
      for (const [pointer, rules] of byField) {
        // A case is flat: the pointer names one of its text fields.
        out[pointer.slice(1)] = rules.map(refusedMarker).join(' ');
        refused.push({
          where: `${source}: test case ${n}`,
          pointer,
          patterns: rules,
          code: 'E_PII_REFUSED',
          reason: `${piiHolds(redactor.pii, rules)}: the text is stored as ${rules.map(refusedMarker).join(' ')}; remove it at the source`,
        });
      }
      return out as unknown as TestCase;
    },
  };
}
