// Polls a condition in tests that wait for another process or a hub to act.

/** Waits for a condition (generous deadline for a loaded machine; no time is asserted). */
export async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
