// The load generator, run as its own process (never the server's): autocannon against one URL.
// argv: JSON {url, seconds, connections, mode: 'hello' | 'webhook', body?, signature?, prefix?}
// Prints one JSON line: {rps, p50, p99, ok, non2xx, errors}.
import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2]);
let seq = 0;
const opts = {
  url: o.url,
  connections: o.connections,
  duration: o.seconds,
  pipelining: 1,
};
if (o.mode === 'webhook') {
  opts.method = 'POST';
  opts.requests = [
    {
      method: 'POST',
      setupRequest: (req) => ({
        ...req,
        body: o.body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'workflow_job',
          // Unique per request: the hub dedupes on it. The HMAC covers only the body, so one signature serves all.
          'x-github-delivery': `${o.prefix}-${process.pid}-${++seq}`,
          'x-hub-signature-256': o.signature,
        },
      }),
    },
  ];
}
const r = await autocannon(opts);
process.stdout.write(
  JSON.stringify({
    rps: r.requests.average,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  }) + '\n',
);
