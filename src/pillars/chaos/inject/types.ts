// What an injector is: prepared once per trial (parameters validated before anything runs), then
// started per attempt the decision engine picked.
import type { Guard } from '../guard.js';

export interface Injection {
  /** Added to the step's environment. */
  env?: Record<string, string>;
  /** Wraps the step's command (e.g. under a file-size limit). */
  wrap?: (argv: string[]) => string[];
  /** Called once the step's process group exists. */
  started?: (pgid: number) => void;
  /** Undoes everything (idempotent); called when the attempt ends, however it ends. */
  stop(): Promise<void>;
  /** What was injected, in words, for the step's log. */
  detail: string;
}

export interface PreparedFault {
  /** The range the decision engine draws this fault's parameter from, if it has one. */
  paramRange?: [number, number];
  /**
   * Trial-wide set-up (the network faults' proxy): its environment goes to every attempt, hit or
   * not, so the step runs the same way each time; closed when the trial ends.
   */
  setup?(): Promise<{ env: Record<string, string>; close(): Promise<void> }>;
  /** Starts the fault for one attempt; `param` is the drawn value, `seed` the attempt's own. */
  start(param: number | undefined, guard: Guard, seed: number): Promise<Injection>;
}

/** What faults may need from the command line besides their own parameters. */
export interface FaultContext {
  /** `--upstream host:port`: the network faults forward to it instead of acting as an HTTP proxy. */
  upstream?: { host: string; port: number };
}
