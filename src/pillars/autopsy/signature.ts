// Failure signatures (issue 4, deliverable 2): the same failure in two runs must group, so the
// evidence is normalized first — numbers, hex ids, UUIDs, temp paths, timestamps, durations and
// quoted values that vary per run are replaced by placeholders — and hashed with the tool and category.
import { createHash } from 'node:crypto';

const STEPS: Array<[RegExp, string]> = [
  [/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/, ''],
  [/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?/g, '<ts>'],
  [/\b\d\d:\d\d:\d\d(?:\.\d+)?\b/g, '<time>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b(?:0x)?[0-9a-f]{7,}\b/gi, '<hex>'],
  [/(?:\/tmp|\/var\/folders|\/private\/var|C:\\Users\\[^\\]+\\AppData\\Local\\Temp)\/?[^\s'":)]*/g, '<tmp>'],
  [/\/home\/runner\/work\/[^/\s]+\/(?:[^/\s]+\/)?|\/builds\/[^/\s]+\/[^/\s]+\/|\/github\/workspace\//g, ''],
  [/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds|m|min|minutes)\b/g, '<dur>'],
  [/\d+/g, '<n>'],
  [/\s+/g, ' '],
];

/** The evidence as it is compared across runs. */
export function normalizeEvidence(text: string): string {
  let s = text;
  for (const [re, to] of STEPS) s = s.replace(re, to);
  return s.trim().slice(0, 500);
}

/** 16 hex digits of SHA-256 over tool, category and the normalized evidence. */
export function failureSignature(tool: string, category: string, evidence: string): string {
  return createHash('sha256')
    .update(`${tool}\n${category}\n${normalizeEvidence(evidence)}`)
    .digest('hex')
    .slice(0, 16);
}
