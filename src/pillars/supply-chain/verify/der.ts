// Just enough DER to read a Fulcio certificate's own extensions (node:crypto's X509Certificate
// exposes the SAN but not custom OIDs): find the extension by its OID, return its value.

function encodeOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const n of parts.slice(2)) {
    const bytes = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return Buffer.from([0x06, out.length, ...out]);
}

/** Reads one TLV at `at`: its tag, where its content starts and how long it is. */
function tlv(buf: Buffer, at: number): { tag: number; start: number; len: number } | null {
  if (at + 2 > buf.length) return null;
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || start + n > buf.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  return start + len <= buf.length ? { tag, start, len } : null;
}

/** The value of the extension `oid` as text: a DER UTF8String inside, or the raw bytes (Fulcio's v1 OIDs). */
export function extensionText(certDer: Buffer, oid: string): string | undefined {
  const at = certDer.indexOf(encodeOid(oid));
  if (at < 0) return undefined;
  let next = tlv(certDer, at);
  if (!next) return undefined;
  let pos = next.start + next.len;
  next = tlv(certDer, pos);
  if (next?.tag === 0x01) {
    pos = next.start + next.len;
    next = tlv(certDer, pos);
  }
  if (!next || next.tag !== 0x04) return undefined;
  const inner = tlv(certDer, next.start);
  if (inner && inner.tag === 0x0c && inner.start + inner.len === next.start + next.len)
    return certDer.subarray(inner.start, inner.start + inner.len).toString('utf8');
  return certDer.subarray(next.start, next.start + next.len).toString('utf8');
}
