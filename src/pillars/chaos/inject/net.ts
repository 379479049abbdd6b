// delay_net and drop_net: the step's network goes through the in-process proxy (net/proxy.ts) for
// the whole trial; the toxics are switched on only for the attempts the decision engine picked.
import { CiError } from '../../../core/errors.js';
import { parseDuration } from '../../../core/duration.js';
import { checkParams, parseSize, type FaultSpec } from '../faults.js';
import { startProxy, type ChaosProxy, type Toxics } from '../net/proxy.js';
import type { FaultContext, PreparedFault } from './types.js';

function fraction(f: FaultSpec, key: string, dflt: number): number {
  const v = Number(f.params[key] ?? dflt);
  if (!Number.isFinite(v) || v < 0 || v > 1)
    throw new CiError('E_USAGE', `${f.name}:${key}=${f.params[key]} is not 0..1`, { where: '--fault', hint: `e.g. ${f.name}:${key}=0.3` });
  return v;
}

/** The toxics a `--fault` asks for (validated before anything runs). */
export function toxicsOf(f: FaultSpec): Toxics {
  const dur = (k: string, d: string) => parseDuration(f.params[k] ?? d, `${f.name}:${k}`)!;
  if (f.name === 'delay_net') {
    checkParams(f, ['latency', 'jitter', 'bandwidth']);
    return {
      latencyMs: dur('latency', '500ms'),
      jitterMs: dur('jitter', '0ms'),
      ...(f.params.bandwidth ? { bandwidthBps: parseSize(f.params.bandwidth, `${f.name}:bandwidth`) } : {}),
    };
  }
  checkParams(f, ['loss', 'burst', 'mode', 'timeout']);
  const mode = f.params.mode ?? 'reset';
  if (mode !== 'reset' && mode !== 'timeout')
    throw new CiError('E_USAGE', `drop_net:mode=${mode} is not reset or timeout`, {
      where: '--fault',
      hint: 'reset closes at once; timeout black-holes, then closes',
    });
  const burst = Number(f.params.burst ?? 1);
  if (!Number.isFinite(burst) || burst < 1)
    throw new CiError('E_USAGE', `drop_net:burst=${f.params.burst} is not a number ≥ 1`, {
      where: '--fault',
      hint: 'the mean number of connections dropped in a row',
    });
  return { loss: fraction(f, 'loss', 1), burst, drop: mode, timeoutMs: dur('timeout', '5s') };
}

const describeToxics = (t: Toxics) =>
  t.loss !== undefined
    ? `${Math.round(t.loss * 100)} % of new connections dropped (${t.drop}${t.drop === 'timeout' ? ` after ${t.timeoutMs} ms` : ''}, bursts of ${t.burst} on average)`
    : `latency ${t.latencyMs} ms ± ${t.jitterMs} ms${t.bandwidthBps ? `, ${t.bandwidthBps} bytes/s` : ''} each way`;

export function prepareNetFault(f: FaultSpec, fc: FaultContext): PreparedFault {
  const toxics = toxicsOf(f);
  let proxy: ChaosProxy | null = null;
  return {
    async setup() {
      proxy = await startProxy({ upstream: fc.upstream });
      const addr = `127.0.0.1:${proxy.port}`;
      const url = `http://${addr}`;
      // Without --upstream the step's HTTP clients use the proxy; NO_PROXY is emptied so a local
      // upstream goes through it too.
      const env: Record<string, string> = fc.upstream
        ? { CI_INTEL_CHAOS_PROXY: addr }
        : { CI_INTEL_CHAOS_PROXY: addr, HTTP_PROXY: url, http_proxy: url, HTTPS_PROXY: url, https_proxy: url, NO_PROXY: '', no_proxy: '' };
      const p = proxy;
      return { env, close: () => p.close() };
    },
    start(_param, _guard, seed) {
      proxy?.setToxics(toxics, seed);
      return Promise.resolve({
        detail: `${describeToxics(toxics)} through the proxy at 127.0.0.1:${proxy?.port ?? 0}${fc.upstream ? ` to ${fc.upstream.host}:${fc.upstream.port}` : ''}`,
        stop() {
          proxy?.setToxics(null, 0);
          return Promise.resolve();
        },
      });
    },
  };
}
