// The CLI run in the test's own process with every pillar (no child process): its output captured,
// its temporary files under `tmp`. For tests that drive a command while they change the hub under
// it (the chaos kill switch flipped mid-trial).
import { pillars, runCli } from './assembled.js';

export function inProcessCli(tmp: string) {
  return (args: string[]) => {
    const io = { out: '', err: '' };
    const done = runCli(
      args,
      { out: (s) => (io.out += s), err: (s) => (io.err += s), env: { PATH: process.env.PATH, TMPDIR: tmp }, isTTY: false, now: () => new Date(), cwd: tmp },
      pillars,
    );
    return { io, done };
  };
}
