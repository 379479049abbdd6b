// One verdict per artifact: identical bytes are reproducible; otherwise the recursive comparison
// classifies every difference. Two folders give one verdict per file found in either.
import { mkdtemp, rm, stat, lstat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CiError } from '../../../core/errors.js';
import { folderEntries } from '../archive/folder.js';
import type { ArtifactVerdict } from '../model.js';
import type { KnownValues } from './classify.js';
import { BudgetExhausted, DEFAULT_LIMITS, sha256File, type Limits } from './context.js';
import { compareFiles } from './files.js';
import { artifactIdentity } from './identity.js';
import { DiffCollector } from './report.js';

export interface DiffOptions {
  known?: Partial<KnownValues>;
  limits?: Partial<Limits>;
  /** Epoch ms after which comparisons stop with a partial verdict. */
  deadline?: number;
  now?: () => number;
  /** Where scratch files go (a fresh folder inside it, removed afterwards). */
  tmpDir?: string;
}

async function kindOf(p: string, side: string): Promise<'file' | 'dir'> {
  try {
    const s = await stat(p);
    if (s.isDirectory()) return 'dir';
    if (s.isFile()) return 'file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint = code === 'ELOOP' ? 'the path is a symbolic link loop; pass the real file' : 'check the path';
    throw new CiError('E_INPUT_UNREADABLE', `cannot read the ${side} artifact: ${code ?? (e as Error).message}`, { where: p, hint });
  }
  throw new CiError('E_INPUT_UNREADABLE', `the ${side} artifact is neither a file nor a folder`, { where: p, hint: 'pass two files or two folders' });
}

/** Compares two artifacts (files or folders of files); verdicts sorted by artifact name. */
export async function diffArtifacts(a: string, b: string, opts: DiffOptions = {}): Promise<ArtifactVerdict[]> {
  const [ka, kb] = await Promise.all([kindOf(a, 'first'), kindOf(b, 'second')]);
  if (ka !== kb) throw new CiError('E_USAGE', `cannot compare a ${ka} with a ${kb}`, { where: `${a} ${b}`, hint: 'pass two files or two folders' });
  if (ka === 'file')
    return [await compareArtifact(a, b, path.basename(a) === path.basename(b) ? path.basename(a) : `${path.basename(a)} vs ${path.basename(b)}`, opts)];
  const list = async (root: string) => {
    const out = new Map<string, string>();
    for await (const e of folderEntries(root)) if (e.type === 'file') out.set(e.name, e.diskPath!);
    return out;
  };
  const [fa, fb] = await Promise.all([list(a), list(b)]);
  const names = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const out: ArtifactVerdict[] = [];
  for (const n of names) {
    const pa = fa.get(n);
    const pb = fb.get(n);
    if (pa && pb) out.push(await compareArtifact(pa, pb, n, opts));
    else out.push(await missing(n, pa, pb));
  }
  return out;
}

async function missing(name: string, pa?: string, pb?: string): Promise<ArtifactVerdict> {
  const p = (pa ?? pb)!;
  const [size, sha] = [(await lstat(p)).size, await sha256File(p)];
  return {
    artifact: name,
    verdict: 'not reproducible',
    size: pa ? [size, 0] : [0, size],
    sha256: pa ? [sha, ''] : ['', sha],
    classes: { content: 1 },
    differences: [{ class: 'content', where: name, detail: pa ? 'built only in the first run' : 'built only in the second run' }],
    notes: [],
    identity: pa ? [await artifactIdentity(p, sha), null] : [null, await artifactIdentity(p, sha)],
  };
}

export async function compareArtifact(a: string, b: string, name: string, opts: DiffOptions = {}): Promise<ArtifactVerdict> {
  const now = opts.now ?? Date.now;
  const [sa, sb, ha, hb] = await Promise.all([stat(a), stat(b), sha256File(a), sha256File(b)]);
  const v: ArtifactVerdict = { artifact: name, verdict: 'reproducible', size: [sa.size, sb.size], sha256: [ha, hb], classes: {}, differences: [], notes: [] };
  const ia = await artifactIdentity(a, ha);
  v.identity = [ia, ha === hb ? ia : await artifactIdentity(b, hb)];
  if (ha === hb) return v;
  const c = new DiffCollector();
  const scratch = await mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'ci-intel-repro-'));
  try {
    await compareFiles(a, b, name, name, {
      c,
      known: { paths: opts.known?.paths ?? [], hostnames: opts.known?.hostnames ?? [], users: opts.known?.users ?? [] },
      scratch,
      limits: { ...DEFAULT_LIMITS, ...opts.limits },
      deadline: opts.deadline,
      now,
      depth: 0,
      decoded: [0, 0],
      seq: { n: 0 },
    });
    v.verdict = 'not reproducible';
  } catch (e) {
    if (e instanceof CiError) throw e;
    if (!(e instanceof BudgetExhausted))
      throw new CiError('E_ARCHIVE_MALFORMED', (e as Error).message, { where: name, hint: 'check that both artifacts were written completely', cause: e });
    v.verdict = c.total ? 'not reproducible' : 'not compared';
    c.note('the time budget ran out: the differences listed are the ones found before it did');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  v.classes = c.counts;
  v.differences = c.samples;
  v.notes = c.notes;
  return v;
}
