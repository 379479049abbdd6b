// VEX documents: OpenVEX (openvex.dev, spec v0.2.0; v0.0.x's string `vulnerability` too) and
// CycloneDX VEX (a BOM whose vulnerabilities carry `analysis.state`). Each becomes statements of
// "this vulnerability, in these products/components, has this status". CycloneDX states map onto
// OpenVEX's: not_affected and false_positive → not_affected; resolved(_with_pedigree) → fixed;
// exploitable → affected; in_triage → under_investigation.
import { CiError } from '../../core/errors.js';
import { parseJsonObject, readInputText } from './io.js';
import { arr, isObj, str } from './sbom/common.js';

export type VexStatus = 'not_affected' | 'fixed' | 'affected' | 'under_investigation';

export interface VexStatement {
  vulnerability: string;
  aliases: string[];
  /** Purls (or CycloneDX bom-refs) of the products the statement is about. */
  products: string[];
  /** When given, only these components of the products. */
  subcomponents: string[];
  status: VexStatus;
  justification?: string;
  /** ISO time, for "the latest statement wins". */
  timestamp?: string;
  /** file#pointer, shown beside a finding it suppresses. */
  source: string;
}

const STATUSES = new Set<VexStatus>(['not_affected', 'fixed', 'affected', 'under_investigation']);
const CDX_STATE: Record<string, VexStatus> = {
  not_affected: 'not_affected',
  false_positive: 'not_affected',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
};

const vexError = (message: string, where: string) =>
  new CiError('E_VEX_INVALID', message, { where, hint: 'pass an OpenVEX document (openvex.dev) or a CycloneDX BOM with vulnerabilities[].analysis' });

const ids = (list: unknown) =>
  arr(list)
    .map((p) => (isObj(p) ? (str(p['@id']) ?? str(p.id)) : str(p)))
    .filter((x): x is string => !!x);

function openVex(doc: Record<string, unknown>, file: string): VexStatement[] {
  if (!Array.isArray(doc.statements)) throw vexError('an OpenVEX document needs a statements list', `${file}#/statements`);
  return doc.statements.map((s, i) => {
    const where = `${file}#/statements/${i}`;
    if (!isObj(s)) throw vexError('a statement must be an object', where);
    const v = s.vulnerability;
    const name = isObj(v) ? (str(v.name) ?? str(v['@id'])) : str(v);
    if (!name) throw vexError('a statement names no vulnerability', `${where}/vulnerability`);
    const status = str(s.status) as VexStatus | undefined;
    if (!status || !STATUSES.has(status)) throw vexError(`status ${JSON.stringify(s.status)} is not one of ${[...STATUSES].join(', ')}`, `${where}/status`);
    const products = arr(s.products);
    if (!products.length) throw vexError('a statement names no product', `${where}/products`);
    return {
      vulnerability: name,
      aliases: isObj(v) ? arr(v.aliases).map(String) : [],
      products: ids(products),
      subcomponents: products.flatMap((p) => (isObj(p) ? ids(p.subcomponents) : [])),
      status,
      ...(str(s.justification) ? { justification: str(s.justification) } : {}),
      ...(str(s.timestamp) || str(doc.timestamp) ? { timestamp: str(s.timestamp) ?? str(doc.timestamp) } : {}),
      source: where,
    };
  });
}

function cycloneDxVex(doc: Record<string, unknown>, file: string): VexStatement[] {
  const subject = isObj(doc.metadata) && isObj(doc.metadata.component) ? str(doc.metadata.component.purl) : undefined;
  const out: VexStatement[] = [];
  arr(doc.vulnerabilities).forEach((v, i) => {
    const where = `${file}#/vulnerabilities/${i}`;
    if (!isObj(v) || typeof v.id !== 'string') throw vexError('a vulnerability needs an id', where);
    if (!isObj(v.analysis)) return;
    const state = str(v.analysis.state) ?? '';
    const status = CDX_STATE[state];
    if (!status) throw vexError(`analysis.state ${JSON.stringify(state)} is not a CycloneDX impact analysis state`, `${where}/analysis/state`);
    const refs = arr(v.affects)
      .map((a) => (isObj(a) ? str(a.ref) : undefined))
      .filter((x): x is string => !!x)
      .map((r) => r.replace(/^urn:cdx:[^#]*#/, ''));
    if (!refs.length) throw vexError('an analysed vulnerability names no affected component', `${where}/affects`);
    out.push({
      vulnerability: v.id,
      aliases: arr(v.references)
        .map((r) => (isObj(r) ? str(r.id) : undefined))
        .filter((x): x is string => !!x),
      products: subject ? [subject] : [],
      subcomponents: refs,
      status,
      ...(str(v.analysis.justification) ? { justification: str(v.analysis.justification) } : {}),
      ...(str(v.analysis.lastUpdated) ? { timestamp: str(v.analysis.lastUpdated) } : {}),
      source: where,
    });
  });
  return out;
}

export function parseVex(text: string, file: string): VexStatement[] {
  const doc = parseJsonObject(text, file, 'a VEX document', vexError);
  if (str(doc['@context'])?.includes('openvex')) return openVex(doc, file);
  if (doc.bomFormat === 'CycloneDX') return cycloneDxVex(doc, file);
  throw vexError('neither OpenVEX (@context https://openvex.dev/ns/...) nor CycloneDX', `${file}#`);
}

export const readVex = (file: string) => parseVex(readInputText(file), file);
