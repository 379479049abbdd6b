// The TTL reaper, run detached by `datalab up` (labs.ts startReaper): `node reaper.js HOME BIN` (BIN
// `-` on a machine without PostgreSQL binaries, where every lab is a PGlite lab).
// Every second it takes down the labs past their TTL; it exits when no lab is left (the last
// `down` also stops it), so nothing of a lab outlives its TTL or keeps running after it.
import { listLabs, reap } from './labs.js';
import { findPgTools } from './pgtools.js';

const [home, bin] = process.argv.slice(2);

async function main(): Promise<void> {
  if (!home) throw new Error('usage: reaper.js HOME [PG_BIN]');
  const tools = bin === '-' ? null : findPgTools(process.env, bin);
  const lab = { dir: home, tools, now: () => new Date() };
  for (;;) {
    await reap(lab);
    if (listLabs(home).length === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`datalab reaper: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
