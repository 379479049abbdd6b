// kill_job: SIGKILL the step's whole process group after a seeded delay — what a preempted runner,
// an OOM kill or a lost agent does to a CI step.
import { checkParams, durationRange, type FaultSpec } from '../faults.js';
import type { PreparedFault } from './types.js';

export function prepareKillJob(f: FaultSpec): PreparedFault {
  checkParams(f, ['after']);
  const range = durationRange(f.params.after ?? '1s..10s', 'kill_job:after');
  return {
    paramRange: range,
    start(param) {
      const delay = param ?? range[0];
      let timer: NodeJS.Timeout | undefined;
      return Promise.resolve({
        detail: `SIGKILL of the step's process group after ${(delay / 1000).toFixed(2)} s`,
        started(pgid) {
          timer = setTimeout(() => {
            try {
              process.kill(-pgid, 'SIGKILL');
            } catch {
              // The step already ended: nothing left to kill.
            }
          }, delay);
        },
        stop() {
          clearTimeout(timer);
          return Promise.resolve();
        },
      });
    },
  };
}
