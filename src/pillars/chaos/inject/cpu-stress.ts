// cpu_stress: busy worker threads beside the step, for a duration or as long as the attempt runs.
// Threads of the runner's own process, so they end with it however it ends (no guard needed).
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkParams, durationRange, type FaultSpec } from '../faults.js';
import { CiError } from '../../../core/errors.js';
import type { PreparedFault } from './types.js';

// Spins until the deadline (0 = until terminated), checking the clock only every few thousand
// iterations so nearly all of its time is burnt CPU.
const SPIN = `
const { workerData } = require('node:worker_threads');
const end = workerData.until;
let x = 0;
for (;;) {
  for (let i = 0; i < 100000; i++) x = (x * 1103515245 + 12345) | 0;
  if (end && Date.now() >= end) break;
}
`;

export function prepareCpuStress(f: FaultSpec): PreparedFault {
  checkParams(f, ['workers', 'for']);
  const workers = f.params.workers === undefined ? os.availableParallelism() : Number(f.params.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new CiError('E_USAGE', `cpu_stress:workers=${f.params.workers} is not a whole number 1..256`, {
      where: '--fault',
      hint: 'e.g. cpu_stress:workers=2,for=30s',
    });
  }
  const range = f.params.for === undefined ? undefined : durationRange(f.params.for, 'cpu_stress:for');
  return {
    paramRange: range,
    start(param) {
      const until = param === undefined ? 0 : Date.now() + param;
      const threads = Array.from({ length: workers }, () => new Worker(SPIN, { eval: true, workerData: { until } }));
      for (const t of threads) t.unref();
      return Promise.resolve({
        detail: `${workers} busy worker${workers === 1 ? '' : 's'} ${param === undefined ? 'while the step runs' : `for ${(param / 1000).toFixed(2)} s`}`,
        async stop() {
          await Promise.all(threads.map((t) => t.terminate()));
        },
      });
    },
  };
}
