// What an artifact says it is, for the cross-time gate (seed 000 "Determinism gates: cross-time;
// fail on ELF BUILD_ID / JAR Implementation-Version drift even if SHA identical"): its SHA-256, the
// ELF GNU build id, the JAR manifest's Implementation-Version and Build-Jdk, and a content hash
// that leaves those stamps out — so two builds whose code is the same but whose stamps differ
// share a content hash and differ in build id or version, which is the drift the gate looks for.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { sniff, HEAD_BYTES } from '../archive/sniff.js';
import { zipEntries } from '../archive/zip.js';
import { readHead, sha256File } from './context.js';
import { elfSections, noteDescRange } from './elf.js';
import { unfoldManifest } from './text.js';
import type { ArtifactIdentity } from '../model.js';

/** ELF files are read whole to find the note (memory stays bounded: bigger ones get the plain SHA-256 as content hash, no build id). */
export const MAX_ELF_BYTES = 64 * 1024 * 1024;
/** Manifest lines that stamp the build rather than describe the code. */
const MANIFEST_STAMPS = new Set(['implementation-version', 'build-jdk', 'build-jdk-spec', 'created-by', 'built-by']);

class ZipTooBig extends Error {}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function elfIdentity(file: string, sha256: string, size: number): Promise<ArtifactIdentity> {
  if (size > MAX_ELF_BYTES) return { sha256, contentSha256: sha256 };
  const buf = await readFile(file);
  const note = elfSections(buf).find((s) => s.name === '.note.gnu.build-id');
  if (!note) return { sha256, contentSha256: sha256 };
  const [start, end] = noteDescRange(note.data);
  const buildId = note.data.subarray(start, end).toString('hex');
  // Zero the id in place (the section's bytes are a view into buf): the rest is the content.
  note.data.fill(0, start, end);
  return { sha256, contentSha256: sha(buf), buildId };
}

/**
 * A zip's content: each file entry's name and SHA-256, sorted by name (entry times and order are
 * not content), the manifest without its stamp lines. Decoding stops at max(64 MiB, 200 × the
 * file's size), as the comparison's bomb cap does; past it the plain SHA-256 stands in.
 */
async function zipIdentity(file: string, sha256: string, size: number): Promise<ArtifactIdentity> {
  const cap = Math.max(64 * 1024 * 1024, 200 * size);
  let decoded = 0;
  const parts: string[] = [];
  const id: ArtifactIdentity = { sha256, contentSha256: sha256 };
  for await (const e of zipEntries(file)) {
    if (e.type !== 'file') continue;
    const chunks: Buffer[] = [];
    const manifest = /^META-INF\/MANIFEST\.MF$/i.test(e.name);
    const h = createHash('sha256');
    await e.read((b) => {
      decoded += b.length;
      if (decoded > cap) throw new ZipTooBig();
      if (manifest) chunks.push(b);
      else h.update(b);
    });
    if (manifest) {
      const kept: string[] = [];
      for (const line of unfoldManifest(Buffer.concat(chunks).toString('utf8'))) {
        const m = /^([\w-]+):\s*(.*)$/.exec(line);
        const key = m?.[1]!.toLowerCase();
        if (key === 'implementation-version') id.implementationVersion = m![2]!.trim();
        if (key === 'build-jdk' || (key === 'build-jdk-spec' && !id.buildJdk)) id.buildJdk = m![2]!.trim();
        if (!key || !MANIFEST_STAMPS.has(key)) kept.push(line);
      }
      h.update(kept.join('\n'));
    }
    parts.push(`${e.name}\0${h.digest('hex')}`);
  }
  id.contentSha256 = sha(parts.sort().join('\n'));
  return id;
}

/** The identity of one built file; unknown kinds have content hash = SHA-256. */
export async function artifactIdentity(file: string, knownSha256?: string): Promise<ArtifactIdentity> {
  const [sha256, st, head] = await Promise.all([knownSha256 ?? sha256File(file), stat(file), readHead(file, HEAD_BYTES)]);
  const kind = sniff(head, file);
  try {
    if (kind === 'elf') return await elfIdentity(file, sha256, st.size);
    if (kind === 'zip') return await zipIdentity(file, sha256, st.size);
  } catch {
    // The comparison already judged the file; a malformed ELF or zip, or a zip over the decoding
    // cap, keeps its plain hash as content hash (no stamps read from it).
  }
  return { sha256, contentSha256: sha256 };
}
