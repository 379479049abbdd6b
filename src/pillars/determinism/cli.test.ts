// `ci-intel repro diff` and `repro normalize` through the assembled CLI: output forms, exit codes,
// normalised archives that reproduce, and hostile input refused without writing outside scratch.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/assembled.js';
import { gccPair, tarPair } from './fixtures/builds.js';
import { determinismPillar } from './index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-repro-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(
    args.map((a) => (/^[\w.-]+\.(tar|zip|gz|txt)$/.test(a) || a === 'x' ? path.join(tmp, a) : a)),
    { out: (s) => (out += s), err: (s) => (err += s), env, isTTY: false, now: () => new Date(), cwd: tmp },
    [determinismPillar],
  );
  return { code, out, err };
}

const py = (script: string, ...args: string[]) => execFileSync('python3', ['-c', script, ...args], { cwd: tmp });

describe('ci-intel repro diff', () => {
  const gcc = gccPair(tmp, false);

  it('prints the verdict, each classified difference and the fix; exit 1', async () => {
    const r = await cli(['repro', 'diff', gcc.a, gcc.b]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^hello: not reproducible — timestamp 1, build-path 1, build-id 1\n/);
    expect(r.out).toMatch(/fix \(build-path\): compile with -ffile-prefix-map=\$PWD=\./);
    expect(r.out.trim().split('\n').at(-1)).toBe('0 of 1 artifact reproducible');
  });

  it('--json: one object per artifact; --md: a table for the pull request', async () => {
    const j = await cli(['repro', 'diff', gcc.a, gcc.b, '--json']);
    const lines = j.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]!) as { verdict: string; classes: Record<string, number>; hints: { class: string }[] };
    expect(o.verdict).toBe('not reproducible');
    expect(o.hints.map((h) => h.class)).toEqual(['timestamp', 'build-path', 'build-id']);
    const md = await cli(['repro', 'diff', gcc.a, gcc.b, '--md']);
    expect(md.out).toContain('| `hello` | not reproducible | timestamp 1, build-path 1, build-id 1 |');
  });

  it('two folders: one verdict per file, sorted; exit 0 when all reproduce', async () => {
    const [a, b] = [path.join(tmp, 'out-a'), path.join(tmp, 'out-b')];
    for (const d of [a, b]) {
      mkdirSync(path.join(d, 'lib'), { recursive: true });
      writeFileSync(path.join(d, 'z.txt'), 'same\n');
      writeFileSync(path.join(d, 'lib', 'a.json'), '{"x":1}\n');
      // a link loop and a link to the parent: reported as links, never followed
      symlinkSync('loop', path.join(d, 'loop'));
      symlinkSync('..', path.join(d, 'lib', 'up'));
    }
    const same = await cli(['repro', 'diff', a, b, '--json']);
    expect(same.code).toBe(0);
    expect(
      same.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { artifact: string }).artifact),
    ).toEqual(['lib/a.json', 'z.txt']);
    writeFileSync(path.join(b, 'lib', 'a.json'), '{"y":2,"x":1}\n');
    const r = await cli(['repro', 'diff', a, b]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('lib/a.json: not reproducible — content 1\n  content           lib/a.json  value only in the second: /y: 2\n');
  });

  it('a symbolic-link loop given as an artifact is a clear input error (exit 2)', async () => {
    symlinkSync('self', path.join(tmp, 'self'));
    const r = await cli(['repro', 'diff', path.join(tmp, 'self'), gcc.b]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_INPUT_UNREADABLE: .*self: cannot read the first artifact: ELOOP — the path is a symbolic link loop/);
  });
});

describe('hostile archives', () => {
  it('an entry pointing outside the archive is refused by diff and normalize, and nothing is written outside', async () => {
    const mk = (name: string, body: string) =>
      py(
        `import tarfile,io,sys\nt=tarfile.open(sys.argv[1],'w')\nfor n,b in [('ok.txt',b'ok'),('../../escaped.txt',sys.argv[2].encode())]:\n i=tarfile.TarInfo(n);i.size=len(b);t.addfile(i,io.BytesIO(b))\nt.close()`,
        name,
        body,
      );
    mk('evil-a.tar', 'one');
    mk('evil-b.tar', 'two');
    const r = await cli(['repro', 'diff', 'evil-a.tar', 'evil-b.tar']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_ARCHIVE_UNSAFE: evil-a\.tar vs evil-b\.tar!\.\.\/\.\.\/escaped\.txt: entry "\.\.\/\.\.\/escaped\.txt" points outside the archive/);
    const n = await cli(['repro', 'normalize', 'evil-a.tar', '--out', 'n.tar']);
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/E_ARCHIVE_UNSAFE/);
    expect(existsSync(path.join(tmp, '..', '..', 'escaped.txt'))).toBe(false);
    expect(existsSync(path.join(os.tmpdir(), 'escaped.txt'))).toBe(false);
  });

  it('zip and gzip bombs stop at the cap with a message', async () => {
    py(
      `import zipfile,sys\nfor f,extra in [('bomb-a.zip',b'a'),('bomb-b.zip',b'b')]:\n z=zipfile.ZipFile(f,'w',zipfile.ZIP_DEFLATED)\n with z.open('zeros.bin','w') as w:\n  for _ in range(100): w.write(bytes(1<<20))\n z.writestr('x.txt',extra)\n z.close()`,
    );
    const z = await cli(['repro', 'diff', 'bomb-a.zip', 'bomb-b.zip']);
    expect(z.code).toBe(2);
    expect(z.err).toMatch(
      /E_ARCHIVE_UNSAFE: bomb-a\.zip vs bomb-b\.zip!zeros\.bin: expands to more than 67108864 bytes \(over 200× its packed size\): a decompression bomb/,
    );
    execFileSync('bash', ['-c', 'head -c 100M /dev/zero | gzip > bomb-a.gz; (head -c 100M /dev/zero; echo) | gzip > bomb-b.gz'], { cwd: tmp });
    const g = await cli(['repro', 'diff', 'bomb-a.gz', 'bomb-b.gz']);
    expect(g.code).toBe(2);
    expect(g.err).toMatch(/E_ARCHIVE_UNSAFE: bomb-a\.gz vs bomb-b\.gz: expands to more than 67108864 bytes/);
  });
});

describe('ci-intel repro normalize', () => {
  it('the two non-reproducible tars (plain, gzip, xz) normalise to the same bytes', async () => {
    for (const compress of ['', 'gzip', 'xz'] as const) {
      const p = tarPair(path.join(tmp), false, compress);
      const ext = compress === 'gzip' ? '.tar.gz' : compress === 'xz' ? '.tar.xz' : '.tar';
      const [na, nb] = [path.join(tmp, `norm-a${ext}`), path.join(tmp, `norm-b${ext}`)];
      expect((await cli(['repro', 'normalize', p.a, '--out', na], { SOURCE_DATE_EPOCH: '1700000000' })).code).toBe(0);
      const r = await cli(['repro', 'normalize', p.b, '--out', nb], { SOURCE_DATE_EPOCH: '1700000000' });
      expect(r.err).toMatch(/wrote .*: tar(\.gz|\.xz)?, 3 entries, time 2023-11-14T22:13:20\.000Z/);
      expect(readFileSync(na).equals(readFileSync(nb))).toBe(true);
      // GNU tar reads the result: sorted, fixed time and owner
      const listing = execFileSync('tar', ['-tvf', na], { cwd: tmp }).toString();
      expect(listing.split('\n')[0]).toMatch(/^-rwxr-xr-x 0\/0 .* 2023-11-14 22:13 bin\/run\.sh$/);
    }
  });

  it('zips written by the zip tool at different times normalise to the same bytes, readable by unzip', async () => {
    const outs: string[] = [];
    for (const [i, run] of ['one', 'two'].entries()) {
      const d = path.join(tmp, `zip-${run}`);
      mkdirSync(path.join(d, 'pkg'), { recursive: true });
      writeFileSync(path.join(d, 'pkg', 'a.txt'), 'alpha\n');
      writeFileSync(path.join(d, 'pkg', 'b.txt'), 'beta\n');
      execFileSync('bash', ['-c', `touch -d @${1_700_000_000 + i * 7200} pkg/*; zip -qr ../zip-${run}.zip pkg`], { cwd: d });
      const out = path.join(tmp, `zip-${run}.norm.zip`);
      expect((await cli(['repro', 'normalize', `zip-${run}.zip`, '--out', out, '--mtime', '1700000000'])).code).toBe(0);
      outs.push(out);
    }
    expect((await cli(['repro', 'diff', 'zip-one.zip', 'zip-two.zip'])).code).toBe(1);
    expect(readFileSync(outs[0]!).equals(readFileSync(outs[1]!))).toBe(true);
    expect(execFileSync('unzip', ['-p', outs[0]!, 'pkg/b.txt']).toString()).toBe('beta\n');
  });

  it('a file that is not an archive is a usage error naming the kinds it takes', async () => {
    writeFileSync(path.join(tmp, 'plain.txt'), 'hello\n');
    const r = await cli(['repro', 'normalize', 'plain.txt', '--out', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_USAGE: .*plain\.txt: cannot normalise a text file — normalise tar, tar\.gz/);
  });
});
