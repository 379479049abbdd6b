// The cross-time gate on real builds: gcc (`__DATE__` taken from SOURCE_DATE_EPOCH, GNU build id)
// and `jar` (an Implementation-Version stamped with the build day). Each day's pair of builds is
// identical — `repro diff` says reproducible — yet the same commit built on another day carries
// another build id or version; `repro diff --record --hub` stores the identities, and
// `gate determinism --across-commits` fails on them (through the hub, and on PostgreSQL through the
// store too), and passes on builds that keep their stamps.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEachStore } from '../../../test/support/stores.js';
import { capturingCli } from '../../../test/support/hub-app.js';
import { twoTeamHub } from './fixtures/hub.js';
import { pillars } from '../../../test/support/assembled.js';
import { artifactIdentity } from './compare/identity.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const DAY1 = 1_700_000_000;
const DAY2 = DAY1 + 86_400;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-repro-time-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sh = (cmd: string, cwd: string, env: Record<string, string> = {}) =>
  execFileSync('bash', ['-euo', 'pipefail', '-c', cmd], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

let seq = 0;
/** One build in a folder of its own; returns the built file. */
function build(files: Record<string, string>, cmd: string, out: string, env: Record<string, string> = {}): string {
  const dir = path.join(tmp, `b${++seq}`);
  mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  sh(cmd, dir, env);
  return path.join(dir, out);
}

const HELLO = { 'hello.c': '#include <stdio.h>\nint main(void) { printf("built %s\\n", __DATE__); return 0; }\n' };
/** gcc without the build folder in the output; __DATE__ from SOURCE_DATE_EPOCH; build id as given. */
const gcc = (epoch: number, buildId = 'sha1') =>
  build(HELLO, `gcc -g -O1 -ffile-prefix-map=$PWD=. -Wl,--build-id=${buildId} -o hello hello.c`, 'hello', { SOURCE_DATE_EPOCH: String(epoch) });
/** jar with fixed entry times and the build day in its Implementation-Version (as `mvn -Drevision=1.0-$(date +%Y%m%d)` would). */
const jar = (epoch: number) =>
  build(
    {
      'classes/com/example/App.properties': 'greeting=hello\n',
      'manifest.txt': `Implementation-Title: demo\nImplementation-Version: 1.0.0-${new Date(epoch * 1000).toISOString().slice(0, 10).replace(/-/g, '')}\n`,
    },
    'jar --date=2023-11-14T22:13:20Z -c -f app.jar -m manifest.txt -C classes .',
    'app.jar',
  );
/** A second build of the same thing: a copy where the build itself reproduces (each day's pair). */
function twin(file: string): string {
  const dir = path.join(tmp, `t${++seq}`);
  mkdirSync(dir);
  copyFileSync(file, path.join(dir, path.basename(file)));
  return path.join(dir, path.basename(file));
}

describe('artifactIdentity on real builds', () => {
  it('ELF: the build id, and a content hash that leaves it out', async () => {
    const [u1, u2] = [await artifactIdentity(gcc(DAY1, 'uuid')), await artifactIdentity(gcc(DAY1, 'uuid'))];
    expect(u1.buildId).toMatch(/^[0-9a-f]{32}$/);
    expect(u1.buildId).not.toBe(u2.buildId);
    expect(u1.sha256).not.toBe(u2.sha256);
    expect(u1.contentSha256).toBe(u2.contentSha256);
    const [s1, s2] = [await artifactIdentity(gcc(DAY1)), await artifactIdentity(gcc(DAY2))];
    expect(s1.buildId).toMatch(/^[0-9a-f]{40}$/);
    expect(s1.buildId).not.toBe(s2.buildId);
    expect(s1.contentSha256).not.toBe(s2.contentSha256);
  });

  it('JAR: Implementation-Version from the manifest, a content hash without the stamps', async () => {
    const [j1, j2] = [await artifactIdentity(jar(DAY1)), await artifactIdentity(jar(DAY2))];
    expect([j1.implementationVersion, j2.implementationVersion]).toEqual(['1.0.0-20231114', '1.0.0-20231115']);
    expect(j1.sha256).not.toBe(j2.sha256);
    expect(j1.contentSha256).toBe(j2.contentSha256);
    expect(j1.buildId).toBeUndefined();
  });
});

describeEachStore(
  'gate determinism --across-commits',
  (getHub, kind) => {
    const h = twoTeamHub(getHub);
    const cli = capturingCli({ now: () => NOW, cwd: tmp });
    const hubArgs = () => ['--hub', h.url, '--token', h.tokens.acme, '--repo', 'acme/app'];
    /** One day's check of a commit: the build and its twin compared and recorded. */
    async function record(file: string, commit: string) {
      const r = await cli(['repro', 'diff', file, twin(file), '--record', ...hubArgs(), '--commit', commit]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('reproducible');
    }
    const gate = (...args: string[]) => cli(['gate', 'determinism', '--across-commits', ...args]);

    it('fails when a commit built on another day carries another build id or Implementation-Version, though each day reproduced', async () => {
      await record(gcc(DAY1), 'c1c1c1c1');
      await record(gcc(DAY2), 'c1c1c1c1');
      await record(jar(DAY1), 'c1c1c1c1');
      await record(jar(DAY2), 'c1c1c1c1');
      const r = await gate(...hubArgs(), '--commit', 'c1c1c1c1');
      expect(r.code, r.err).toBe(1);
      expect(r.out).toMatch(
        /^FAIL gate=determinism value=2 max=0 identities=4 commit=c1c1c1c1 reason="2 stamps drifted: app\.jar: commit c1c1c1c1 built with Implementation-Version 1\.0\.0-20231114, 1\.0\.0-20231115; hello: commit c1c1c1c1 built with build id [0-9a-f]{12}…, [0-9a-f]{12}…"\n$/,
      );
    });

    it('fails when the same content appears under another build id in another commit', async () => {
      await record(gcc(DAY1, 'uuid'), 'd1d1d1d1');
      await record(gcc(DAY1, 'uuid'), 'd2d2d2d2');
      const r = await gate(...hubArgs(), '--commit', 'd2d2d2d2');
      expect(r.code, r.err).toBe(1);
      expect(r.out).toMatch(
        /value=1 .*reason="1 stamp drifted: hello: the same content \(commits d1d1d1d1, d2d2d2d2\) under build id [0-9a-f]{12}…, [0-9a-f]{12}…"/,
      );
    });

    it('passes on a commit rebuilt later with the same stamps; a release bump of the version alone is no drift', async () => {
      await record(gcc(DAY1), 'e1e1e1e1');
      await record(gcc(DAY1), 'e1e1e1e1');
      await record(jar(DAY1), 'e1e1e1e1');
      // the next commit only bumps the version: the same content under another Implementation-Version
      await record(jar(DAY2), 'e2e2e2e2');
      for (const commit of ['e1e1e1e1', 'e2e2e2e2']) {
        const r = await gate(...hubArgs(), '--commit', commit);
        expect(r.code, r.out + r.err).toBe(0);
        expect(r.out).toMatch(/^PASS gate=determinism value=0 max=0 identities=\d+ commit=/);
      }
      if (kind === 'postgres') {
        // the same answer read from the store directly
        const direct = await gate('--db', getHub().config.db, '--repo', 'acme/app', '--commit', 'c1c1c1c1');
        expect(direct.code, direct.err).toBe(1);
        expect(direct.out).toContain('value=2 max=0 identities=4');
      }
    });

    it('says what is missing: no identities, reports given too, a token of another repository', async () => {
      const none = await gate(...hubArgs(), '--commit', 'f0f0f0f0');
      expect(none.code).toBe(1);
      expect(none.out).toContain('reason="no build identities stored for acme/app at f0f0f0f0 (record them with ci-intel repro --record)"');
      const both = await cli(['gate', 'determinism', 'repro.json', '--across-commits', ...hubArgs()]);
      expect(both.code).toBe(2);
      expect(both.err).toMatch(/E_USAGE: --across-commits: reports and --across-commits do not go together/);
      const other = await cli(['gate', 'determinism', '--across-commits', '--hub', h.url, '--token', h.tokens.other, '--repo', 'acme/app']);
      expect(other.code).toBe(2);
      expect(other.err).toMatch(/E_HUB_REJECTED.*E_FORBIDDEN_REPO/);
    });
  },
  { pillars },
);
