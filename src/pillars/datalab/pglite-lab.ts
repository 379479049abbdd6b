// One PGlite lab as its own detached process (started by labs.ts): `node pglite-lab.js STATE_FILE`.
// It opens an in-memory PGlite database (a lab is throwaway, and nothing is left on disk when it
// goes), serves it on a free loopback port (pglite-bridge.ts) and writes {pid, port} to STATE_FILE
// once clients can connect. SIGTERM closes it; `down` and the TTL reaper send that.
import { renameSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { serveBackend, startupMessage } from './pglite-bridge.js';

const [stateFile] = process.argv.slice(2);

async function main(): Promise<void> {
  if (!stateFile) throw new Error('usage: pglite-lab.js STATE_FILE');
  const db = await PGlite.create();
  const bridge = serveBackend(db, await db.execProtocolRaw(startupMessage('postgres', 'postgres')));
  const stop = async () => {
    await bridge.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  await new Promise<void>((resolve, reject) => {
    bridge.server.once('error', reject);
    bridge.server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = bridge.server.address() as import('node:net').AddressInfo;
  // Written aside then renamed: a reader never sees half a file.
  writeFileSync(`${stateFile}.tmp`, JSON.stringify({ pid: process.pid, port }));
  renameSync(`${stateFile}.tmp`, stateFile);
}

main().catch((e: unknown) => {
  try {
    writeFileSync(`${stateFile}.tmp`, JSON.stringify({ pid: process.pid, error: (e as Error).message }));
    renameSync(`${stateFile}.tmp`, stateFile!);
  } finally {
    process.exit(1);
  }
});
