// bench/datalab — issue 23 "done when": a seeded lab in <= 2 s cold and <= 1 s from a template, and a
// lab from a 100 MB snapshot in <= 1 s, next to the peers a person would use by hand: `createdb -T`
// (the same clone, from the shell) and `pg_restore` (restoring the dump into a fresh database each
// time). Also the two designs that were measured for DECISIONS.md: a server per lab (copy of the
// initdb cache + start) vs a database per lab on one shared server. Prints `name: ours X, peer Y,
// ratio Z` lines; asserts nothing.
//
//   npm run bench -- datalab            (needs PostgreSQL's server binaries, e.g. apt-get install postgresql;
//                                        the PGlite engine's rows at the end need nothing)
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lab } from 'ci-intel/datalab';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOP = path.resolve(here, '../../src/pillars/datalab/fixtures/shop.sql');
const root = mkdtempSync(path.join(os.tmpdir(), 'bench-datalab-'));
chmodSync(root, 0o755);
const s = (ms) => (ms / 1000).toFixed(3);
const time = async (fn) => {
  const t = performance.now();
  const r = await fn();
  return { ms: performance.now() - t, r };
};
const line = (name, ours, peer, peerName) => console.log(`${name}: ours ${s(ours)} s, ${peerName} ${s(peer)} s, ratio ${(ours / peer).toFixed(2)}`);
const bin = (() => {
  const r = spawnSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'], { encoding: 'utf8' });
  return r.stdout.trim();
})();
const tool = (t, args) => {
  const r = spawnSync(path.join(bin, t), args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${t}: ${r.stderr}`);
  return r.stdout;
};
const hostArgs = (url) => {
  const u = new URL(url);
  return ['-h', u.hostname, '-p', u.port, '-U', 'postgres'];
};

try {
  // 1. Cold: an empty lab folder (initdb, start, seed, clone).
  const home = path.join(root, 'home');
  const cold = await time(() => lab({ home, schema: SHOP, seed: 1 }));
  // 2. From the seeded template (the server up, the template made).
  const warm = await time(() => lab({ home, schema: SHOP, seed: 1 }));
  const tpl = warm.r.source.template;
  const peerT = await time(async () => tool('createdb', [...hostArgs(warm.r.url), '-T', tpl, 'peer_clone']));
  line('seeded lab cold (initdb + server + schema + rows)', cold.ms, 2000, 'target');
  line('seeded lab from its template', warm.ms, peerT.ms, 'createdb -T');
  await warm.r.down();

  // 3. A 100 MB database: pgbench's tables at scale 7 (~105 MB), snapshotted, then labs from it.
  const big = await lab({ home, name: 'big' });
  tool('pgbench', [...hostArgs(big.url), '-i', '-q', '-s', '7', big.database]);
  const size = tool('psql', [...hostArgs(big.url), '-tAc', `SELECT pg_database_size('${big.database}')`, big.database]).trim();
  const dump = path.join(root, 'big.dump');
  tool('pg_dump', ['--format=custom', '--file', dump, '--dbname', big.url]);
  const dataDir = path.join(root, 'data');
  const snap = spawnSync(
    process.execPath,
    [path.resolve(here, '../../dist/cli/main.js'), 'datalab', 'snapshot', 'big', 'bench100', '--home', home, '--data-dir', dataDir],
    {
      encoding: 'utf8',
    },
  );
  if (snap.status !== 0) throw new Error(snap.stderr);
  process.env.CI_INTEL_DATA_DIR = dataDir;
  const first = await time(() => lab({ home, from: 'bench100' }));
  const again = await time(() => lab({ home, from: 'bench100' }));
  const restore = await time(async () => {
    tool('createdb', [...hostArgs(big.url), 'peer_restore']);
    tool('pg_restore', [...hostArgs(big.url), '-d', 'peer_restore', dump]);
  });
  const cloneT = await time(async () => tool('createdb', [...hostArgs(big.url), '-T', first.r.source.template, 'peer_clone_big']));
  console.log(`# database of ${(Number(size) / 1e6).toFixed(0)} MB`);
  line('lab from a 100 MB snapshot, first (restores the template)', first.ms, restore.ms, 'pg_restore');
  line('lab from a 100 MB snapshot, next (clones the template)', again.ms, restore.ms, 'pg_restore');
  line('lab from a 100 MB snapshot, next (clones the template)', again.ms, cloneT.ms, 'createdb -T');
  for (const l of [cold.r, big, first.r, again.r]) await l.down();

  // 4. The design choice: a server per lab (copy the initdb cache, start) vs a database per lab.
  const cache = spawnSync('sh', ['-c', `ls -d ${home}/cache/pg*`], { encoding: 'utf8' }).stdout.trim();
  const asPg = (t, args) => {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, t), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${t}: ${r.stderr}`);
  };
  const per = await time(async () => {
    const d = path.join(root, 'own');
    spawnSync('cp', ['-a', cache, d]);
    asPg('pg_ctl', ['-D', d, '-w', '-l', path.join(d, 'server.log'), '-o', `-c listen_addresses=127.0.0.1 -p 5499 -k ${d}`, 'start']);
    return d;
  });
  asPg('pg_ctl', ['-D', per.r, '-m', 'immediate', '-w', 'stop']);
  const shared = await time(() => lab({ home }));
  line('empty lab, shared server (first lab: copy cache + start + createdb)', shared.ms, per.ms, 'server per lab (copy cache + start)');
  const second = await time(() => lab({ home }));
  line('empty lab, shared server already up (createdb)', second.ms, per.ms, 'server per lab (copy cache + start)');
  await shared.r.down();
  await second.r.down();

  // 5. The no-binaries fallback: a PGlite lab (its own process: WebAssembly start + the bridge), empty
  // and seeded through the bridge, next to the PostgreSQL engine's cold seeded lab above.
  const pgliteHome = path.join(root, 'pglite');
  const pEmpty = await time(() => lab({ home: pgliteHome, engine: 'pglite' }));
  line('empty lab, PGlite (process start + WebAssembly)', pEmpty.ms, 2000, 'target');
  const pSeeded = await time(() => lab({ home: pgliteHome, engine: 'pglite', schema: SHOP, seed: 1 }));
  line('seeded lab, PGlite (no templates: seeded every time)', pSeeded.ms, cold.ms, 'PostgreSQL engine cold');
  await pEmpty.r.down();
  await pSeeded.r.down();
} finally {
  rmSync(root, { recursive: true, force: true });
}
