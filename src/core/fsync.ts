// Durable file writes: a rename is durable only once its folder is fsynced too ("durable before
// acknowledged", DESIGN.md). Shared by the blob store and the build cache.
import { open } from 'node:fs/promises';

/** Fsyncs a folder so a rename or a new file in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    /* some filesystems cannot fsync a folder */
  } finally {
    await fh.close();
  }
}
