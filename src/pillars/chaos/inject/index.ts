// One place that maps a fault to its injector.
import type { FaultSpec } from '../faults.js';
import { prepareCorruptCache } from './corrupt-cache.js';
import { prepareCpuStress } from './cpu-stress.js';
import { prepareDiskFill } from './disk-fill.js';
import { prepareKillJob } from './kill-job.js';
import { prepareNetFault } from './net.js';
import type { FaultContext, PreparedFault } from './types.js';

export function prepareFault(f: FaultSpec, fc: FaultContext = {}): PreparedFault {
  switch (f.name) {
    case 'kill_job':
      return prepareKillJob(f);
    case 'cpu_stress':
      return prepareCpuStress(f);
    case 'disk_fill':
      return prepareDiskFill(f);
    case 'corrupt_cache':
      return prepareCorruptCache(f);
    case 'delay_net':
    case 'drop_net':
      return prepareNetFault(f, fc);
  }
}
