// SPDX licence expressions (SPDX 2.3 annex D): `MIT`, `(MIT OR Apache-2.0)`, `GPL-2.0-or-later WITH
// Classpath-exception-2.0`, `LicenseRef-x`. OR needs one allowed operand, AND needs all; deprecated
// ids never match (they name the licence ambiguously: GPL-2.0 is "only" or "or later").

export type SpdxExpr = { kind: 'id'; id: string; plus: boolean; exception?: string } | { kind: 'and' | 'or'; left: SpdxExpr; right: SpdxExpr };

/** Deprecated ids and what replaces them (SPDX licence list, "deprecated" section). */
export const DEPRECATED: Record<string, string> = {
  'AGPL-1.0': 'AGPL-1.0-only',
  'AGPL-3.0': 'AGPL-3.0-only or AGPL-3.0-or-later',
  'GPL-1.0': 'GPL-1.0-only',
  'GPL-1.0+': 'GPL-1.0-or-later',
  'GPL-2.0': 'GPL-2.0-only or GPL-2.0-or-later',
  'GPL-2.0+': 'GPL-2.0-or-later',
  'GPL-3.0': 'GPL-3.0-only or GPL-3.0-or-later',
  'GPL-3.0+': 'GPL-3.0-or-later',
  'LGPL-2.0': 'LGPL-2.0-only',
  'LGPL-2.0+': 'LGPL-2.0-or-later',
  'LGPL-2.1': 'LGPL-2.1-only or LGPL-2.1-or-later',
  'LGPL-2.1+': 'LGPL-2.1-or-later',
  'LGPL-3.0': 'LGPL-3.0-only or LGPL-3.0-or-later',
  'LGPL-3.0+': 'LGPL-3.0-or-later',
  'GFDL-1.1': 'GFDL-1.1-only',
  'GFDL-1.2': 'GFDL-1.2-only',
  'GFDL-1.3': 'GFDL-1.3-only',
  'GPL-2.0-with-classpath-exception': 'GPL-2.0-only WITH Classpath-exception-2.0',
  'GPL-2.0-with-GCC-exception': 'GPL-2.0-or-later WITH GCC-exception-2.0',
  'GPL-2.0-with-autoconf-exception': 'GPL-2.0-only WITH Autoconf-exception-2.0',
  'GPL-2.0-with-bison-exception': 'GPL-2.0-or-later WITH Bison-exception-2.2',
  'GPL-2.0-with-font-exception': 'GPL-2.0-only WITH Font-exception-2.0',
  'GPL-3.0-with-GCC-exception': 'GPL-3.0-only WITH GCC-exception-3.1',
  'GPL-3.0-with-autoconf-exception': 'GPL-3.0-only WITH Autoconf-exception-3.0',
  'BSD-2-Clause-FreeBSD': 'BSD-2-Clause',
  'BSD-2-Clause-NetBSD': 'BSD-2-Clause',
  'bzip2-1.0.5': 'bzip2-1.0.6',
  'eCos-2.0': 'GPL-2.0-or-later WITH eCos-exception-2.0',
  Nunit: 'zlib-acknowledgement',
  'StandardML-NJ': 'SMLNJ',
  wxWindows: 'GPL-2.0-or-later WITH WxWindows-exception-3.1',
  'Net-SNMP': 'Net-SNMP (no replacement)',
};

const DEPRECATED_LC = new Map(Object.keys(DEPRECATED).map((k) => [k.toLowerCase(), k]));

export class SpdxSyntaxError extends Error {}

function tokenize(s: string): string[] {
  return s.replace(/[()]/g, ' $& ').split(/\s+/).filter(Boolean);
}

/** Parses an SPDX expression; throws SpdxSyntaxError when it is not one. */
export function parseSpdx(text: string): SpdxExpr {
  const t = tokenize(text);
  let i = 0;
  const peek = () => t[i]?.toUpperCase();
  const primary = (): SpdxExpr => {
    const tok = t[i++];
    if (tok === undefined) throw new SpdxSyntaxError('unexpected end');
    if (tok === '(') {
      const e = orExpr();
      if (t[i++] !== ')') throw new SpdxSyntaxError('missing )');
      return e;
    }
    if (!/^[A-Za-z0-9.+:-]+$/.test(tok) || ['AND', 'OR', 'WITH'].includes(tok.toUpperCase())) throw new SpdxSyntaxError(`unexpected "${tok}"`);
    const plus = tok.endsWith('+') && !DEPRECATED_LC.has(tok.toLowerCase());
    const node: SpdxExpr = { kind: 'id', id: plus ? tok.slice(0, -1) : tok, plus };
    if (peek() === 'WITH') {
      i++;
      const exc = t[i++];
      if (!exc || !/^[A-Za-z0-9.+-]+$/.test(exc)) throw new SpdxSyntaxError('WITH needs an exception id');
      node.exception = exc;
    }
    return node;
  };
  // AND binds tighter than OR: a chain of one operator over operands of the tighter level.
  const chain = (op: 'AND' | 'OR', operand: () => SpdxExpr) => (): SpdxExpr => {
    let left = operand();
    while (peek() === op) {
      i++;
      left = { kind: op === 'AND' ? 'and' : 'or', left, right: operand() };
    }
    return left;
  };
  const andExpr = chain('AND', () => primary());
  const orExpr: () => SpdxExpr = chain('OR', andExpr);
  const e = orExpr();
  if (i !== t.length) throw new SpdxSyntaxError(`unexpected "${t[i]}"`);
  return e;
}

export interface Verdict {
  allowed: boolean;
  /** Licence ids that made it fail (for the message). */
  offending: string[];
  /** Deprecated ids met, with what replaces them. */
  deprecated: string[];
}

/** Is an expression allowed by the set of allowed ids (case-insensitive)? */
export function evaluate(e: SpdxExpr, allowed: Set<string>): Verdict {
  if (e.kind === 'id') {
    const full = e.plus ? `${e.id}+` : e.id;
    const dep = DEPRECATED_LC.get(full.toLowerCase());
    if (dep) return { allowed: false, offending: [dep], deprecated: [dep] };
    const withExc = e.exception ? `${full} WITH ${e.exception}`.toLowerCase() : null;
    const ok = allowed.has(full.toLowerCase()) || (withExc !== null && allowed.has(withExc)) || (e.plus && allowed.has(`${e.id}-or-later`.toLowerCase()));
    return { allowed: ok, offending: ok ? [] : [withExc ? `${full} WITH ${e.exception}` : full], deprecated: [] };
  }
  const l = evaluate(e.left, allowed);
  const r = evaluate(e.right, allowed);
  const deprecated = [...l.deprecated, ...r.deprecated];
  if (e.kind === 'or')
    return l.allowed || r.allowed ? { allowed: true, offending: [], deprecated } : { allowed: false, offending: [...l.offending, ...r.offending], deprecated };
  return { allowed: l.allowed && r.allowed, offending: [...l.offending, ...r.offending], deprecated };
}

/** All licence ids an expression names (for blocklists: any blocked id in an AND, every operand of an OR). */
export function idsOf(e: SpdxExpr): string[] {
  return e.kind === 'id' ? [e.plus ? `${e.id}+` : e.id] : [...idsOf(e.left), ...idsOf(e.right)];
}

/** Does a blocklist forbid the expression? OR is fine when one operand is not blocked, AND when none is. */
export function blocked(e: SpdxExpr, isBlocked: (id: string) => boolean): boolean {
  if (e.kind === 'id') return isBlocked(e.plus ? `${e.id}+` : e.id);
  if (e.kind === 'or') return blocked(e.left, isBlocked) && blocked(e.right, isBlocked);
  return blocked(e.left, isBlocked) || blocked(e.right, isBlocked);
}
