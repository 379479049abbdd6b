// Transparency-log proofs: RFC 9162 §2.1.3.2 (verifying an inclusion proof) and the signed
// checkpoint (a "signed note": origin, tree size, root hash, then "— origin base64(keyhint‖sig)").
import { createHash, verify, type KeyObject } from 'node:crypto';

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
export const leafHash = (body: Buffer) => sha256(Buffer.from([0]), body);

/** The root an inclusion proof leads to from a leaf, or null when the proof cannot be for this index and size. */
export function rootFromProof(index: bigint, size: bigint, leaf: Buffer, hashes: Buffer[]): Buffer | null {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of hashes) {
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else r = sha256(Buffer.from([1]), r, p);
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}

export interface Checkpoint {
  origin: string;
  size: bigint;
  rootHash: Buffer;
}

/** Parses a checkpoint and checks a signature by `key` (its 4-byte hint = the log id's first 4 bytes). */
export function verifyCheckpoint(envelope: string, key: KeyObject, logIdHex: string): { checkpoint?: Checkpoint; error?: string } {
  const split = envelope.indexOf('\n\n');
  if (split < 0) return { error: 'the checkpoint has no signature block' };
  const note = envelope.slice(0, split + 1);
  const [origin, size, root] = note.split('\n');
  if (!origin || !size || !/^\d+$/.test(size) || !root) return { error: 'the checkpoint note is malformed' };
  const hint = Buffer.from(logIdHex, 'hex').subarray(0, 4);
  const sigs = envelope
    .slice(split + 2)
    .split('\n')
    .filter(Boolean)
    .map((l) => /^\u2014 (\S+) (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => Buffer.from(m[2]!, 'base64'))
    .filter((b) => b.length > 4 && b.subarray(0, 4).equals(hint));
  if (!sigs.some((s) => verify('sha256', Buffer.from(note), key, s.subarray(4))))
    return { error: "no signature on the checkpoint verifies with the log's key" };
  return { checkpoint: { origin, size: BigInt(size), rootHash: Buffer.from(root, 'base64') } };
}
