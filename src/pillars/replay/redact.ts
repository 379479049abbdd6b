// Sensitive values never reach the store: values under a `*_sensitive: true` mark, and any string
// equal to a value marked sensitive elsewhere (Terraform copies a sensitive input into outputs and
// into `variables` unmarked).
export const REDACTED = '(sensitive)';

export function redactSensitive(value: unknown, marks: unknown, secrets: Set<string>): unknown {
  if (marks === true) return value === null || value === undefined ? value : REDACTED;
  if (typeof value === 'string') return secrets.has(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v, i) => redactSensitive(v, Array.isArray(marks) ? marks[i] : undefined, secrets));
  if (value && typeof value === 'object') {
    const m = marks && typeof marks === 'object' ? (marks as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSensitive(v, m[k], secrets)]));
  }
  return value;
}
