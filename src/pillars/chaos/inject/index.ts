// One place that maps a fault to its injector; faults not built yet are refused by name.
import { CiError } from '../../../core/errors.js';
import { INJECTABLE, type FaultSpec } from '../faults.js';
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
    case 'delay_net':
    case 'drop_net':
      return prepareNetFault(f, fc);
    default:
      throw new CiError('E_USAGE', `${f.name} cannot be injected by this version`, { where: '--fault', hint: `injectable today: ${INJECTABLE.join(', ')}` });
  }
}
