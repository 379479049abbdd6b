// Every planted cause, built for real by the tools that cause it, found and classified; each fixed
// build reproducible.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { debPair, gccPair, jarPair, npmPair, tarPair, wheelPair, type Pair } from '../fixtures/builds.js';
import { diffArtifacts } from './artifact.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-repro-builds-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function verdict(p: Pair) {
  const [v] = await diffArtifacts(p.a, p.b);
  return v!;
}

const classesOf = (v: Awaited<ReturnType<typeof verdict>>) => Object.keys(v.classes).sort();

describe('planted causes are found and classified', () => {
  it('tar without --sort=name --mtime: timestamps, file order, permissions; fixed: reproducible', async () => {
    const v = await verdict(tarPair(tmp, false));
    expect(v.verdict).toBe('not reproducible');
    expect(classesOf(v)).toEqual(['file-order', 'timestamp', 'umask/permissions']);
    expect(v.differences.find((d) => d.class === 'umask/permissions')).toMatchObject({
      where: expect.stringMatching(/!src\/a\.txt$/),
      detail: 'mode 0644 vs 0664',
    });
    expect((await verdict(tarPair(tmp, true))).verdict).toBe('reproducible');
  });

  it('tar.xz and tar.gz are decoded (xz by the xz tool, gzip by zlib); the gzip header time is a timestamp', async () => {
    const xz = await verdict(tarPair(tmp, false, 'xz'));
    expect(classesOf(xz)).toEqual(['file-order', 'timestamp', 'umask/permissions']);
    expect(xz.notes).toEqual([]);
    const gz = await verdict(tarPair(tmp, false, 'gzip'));
    expect(gz.differences.some((d) => d.class === 'timestamp' && d.detail.startsWith('gzip header time'))).toBe(true);
    expect((await verdict(tarPair(tmp, true, 'gzip'))).verdict).toBe('reproducible');
  });

  it('npm pack of a package whose build writes the date: a timestamp inside package/dist/info.json', async () => {
    const v = await verdict(npmPair(tmp, false));
    expect(classesOf(v)).toEqual(['timestamp']);
    expect(v.differences[0]!.where).toMatch(/\.tgz!package\/dist\/info\.json$/);
    expect((await verdict(npmPair(tmp, true))).verdict).toBe('reproducible');
  }, 180_000);

  it('a Python wheel with file times and a timestamped .pyc: zip entry times and the .pyc header', async () => {
    const v = await verdict(wheelPair(tmp, false));
    expect(classesOf(v)).toEqual(['timestamp']);
    expect(v.differences.some((d) => /__init__\.pyc$/.test(d.where) && d.detail.startsWith('.pyc header: source time'))).toBe(true);
    expect(v.differences.some((d) => /!demo-1\.0\.dist-info\/METADATA$/.test(d.where) && d.detail.startsWith('modification time'))).toBe(true);
    expect((await verdict(wheelPair(tmp, true))).verdict).toBe('reproducible');
  });

  it('gcc with __DATE__ __TIME__ and the build folder in the debug info: timestamp, build-path, build-id', async () => {
    const v = await verdict(gccPair(tmp, false));
    expect(classesOf(v)).toEqual(['build-id', 'build-path', 'timestamp']);
    expect(v.differences.find((d) => d.class === 'timestamp')!.where).toMatch(/\[\.rodata\]$/);
    expect(v.differences.find((d) => d.class === 'build-path')!.detail).toMatch(/gcc-plain-one .*gcc-plain-two-longer/);
    expect((await verdict(gccPair(tmp, true))).verdict).toBe('reproducible');
  });

  it('jar: entry times and a dated Implementation-Version in the manifest', async () => {
    const v = await verdict(jarPair(tmp, false));
    expect(classesOf(v)).toEqual(['timestamp']);
    expect(v.differences.some((d) => /!META-INF\/MANIFEST\.MF:\d+$/.test(d.where) && /Implementation-Version/.test(d.detail))).toBe(true);
    expect((await verdict(jarPair(tmp, true))).verdict).toBe('reproducible');
  });

  it('dpkg-deb: ar member times and data.tar times, through ar and xz', async () => {
    const v = await verdict(debPair(tmp, false));
    expect(classesOf(v)).toEqual(['timestamp']);
    expect(v.differences.some((d) => /demo\.deb!data\.tar\.xz!\.\/usr\/share\/demo\/readme\.txt$/.test(d.where))).toBe(true);
    expect(v.differences.some((d) => d.where === 'demo.deb!debian-binary')).toBe(true);
    expect((await verdict(debPair(tmp, true))).verdict).toBe('reproducible');
  });
});
