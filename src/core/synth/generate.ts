// Deterministic synthetic pipeline history (spine issue "Synthetic data"; seed 000 "Synthetic data
// generator"): valid v1.2 records with realistic shapes — log-normal durations and queue times,
// failure streaks, flaky tests that fail then pass on retry, deploys to dev/staging/prod with canary
// steps and occasional rollbacks, costs and carbon — plus the commit graph behind them.
import type { ContractJob, PipelineRun } from '../contract/index.js';
import type { Pillar } from '../registry.js';
import type { Rng, SynthCommit, SynthContext } from './types.js';

/** sfc32: small, fast, good statistical quality; seeded via splitmix32. */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(),
    b = split(),
    c = split(),
    d = split();
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  const normal = (mean: number, sd: number) => {
    const u = Math.max(next(), 1e-12);
    const v = next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const hex = (len: number) => {
    let out = '';
    while (out.length < len)
      out += Math.floor(next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, len);
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
    normal,
    logNormal: (median, sigma) => median * Math.exp(normal(0, sigma)),
    hex,
    uuid: () => {
      const h = hex(32).split('');
      h[12] = '4';
      h[16] = '89ab'[parseInt(h[16]!, 16) & 3]!;
      const s2 = h.join('');
      return `${s2.slice(0, 8)}-${s2.slice(8, 12)}-${s2.slice(12, 16)}-${s2.slice(16, 20)}-${s2.slice(20)}`;
    },
  };
}

const ORGS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell'];
const SERVICES = [
  'payments',
  'checkout',
  'search',
  'accounts',
  'inventory',
  'gateway',
  'billing',
  'notifications',
  'catalog',
  'auth',
  'ledger',
  'shipping',
  'reports',
  'pricing',
  'orders',
  'profile',
  'media',
  'analytics',
  'scheduler',
  'frontend',
];
const REGIONS = ['us-central1', 'us-east1', 'europe-west1', 'asia-east1'];
/** Grid carbon intensity, g CO2e per kWh (rough public figures per region). */
const CARBON_INTENSITY: Record<string, number> = { 'us-central1': 430, 'us-east1': 370, 'europe-west1': 120, 'asia-east1': 510 };
const LANGS = ['node', 'python', 'go', 'java', 'rust'] as const;

export interface SynthOptions {
  repos: number;
  days: number;
  runsPerDay: number;
  seed: number;
  /** Last day of history; runs end before this instant. */
  end: Date;
  pillars?: Pillar[];
}

export interface SynthResult {
  records: PipelineRun[];
  commits: SynthCommit[];
  extras: Record<string, unknown[]>;
}

interface RepoProfile {
  name: string;
  lang: (typeof LANGS)[number];
  failRate: number;
  flakeRate: number;
  buildMedianMs: number;
  testMedianMs: number;
  testsTotal: number;
  coverage: number;
  region: string;
  mutation: boolean;
  prodDeploysPerDay: number;
}

const DAY = 86_400_000;

export function synthesize(o: SynthOptions): SynthResult {
  const rng = createRng(o.seed);
  // Whole UTC days ending at the last midnight before `end`, so no run lies in the future.
  const endDay = Date.UTC(o.end.getUTCFullYear(), o.end.getUTCMonth(), o.end.getUTCDate());
  const start = endDay - o.days * DAY;
  const repos: RepoProfile[] = [];
  for (let i = 0; i < o.repos; i++) {
    const org = ORGS[i % ORGS.length]!;
    const svc = SERVICES[Math.floor(i / ORGS.length) % SERVICES.length]!;
    const suffix = i >= ORGS.length * SERVICES.length ? `-${Math.floor(i / (ORGS.length * SERVICES.length))}` : '';
    repos.push({
      name: `${org}/${svc}${suffix}`,
      lang: rng.pick(LANGS),
      failRate: 0.04 + rng.next() * 0.14,
      flakeRate: 0.02 + rng.next() * 0.08,
      buildMedianMs: rng.logNormal(90_000, 0.4),
      testMedianMs: rng.logNormal(240_000, 0.5),
      testsTotal: rng.int(150, 4000),
      coverage: 0.55 + rng.next() * 0.4,
      region: rng.pick(REGIONS),
      mutation: rng.chance(0.5),
      prodDeploysPerDay: 0.3 + rng.next() * 3,
    });
  }
  const records: PipelineRun[] = [];
  const commits: SynthCommit[] = [];
  for (const repo of repos) genRepo(rng, repo, start, o, records, commits);
  // Deploy chains that started late on the last day may run past `end`: drop what is not over yet.
  const limit = o.end.getTime();
  for (let i = records.length - 1; i >= 0; i--) if (Date.parse(records[i]!.ended_at) >= limit) records.splice(i, 1);
  records.sort((a, b) => (a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : a.run_id < b.run_id ? -1 : 1));
  commits.sort((a, b) => (a.committed_at < b.committed_at ? -1 : a.committed_at > b.committed_at ? 1 : a.sha < b.sha ? -1 : 1));
  const ctx: SynthContext = { rng, repos: repos.map((r) => r.name), records, commits, extras: {} };
  for (const p of o.pillars ?? []) p.synth?.(ctx);
  return { records, commits, extras: ctx.extras };
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString().replace('.000Z', 'Z');

function genRepo(rng: Rng, repo: RepoProfile, start: number, o: SynthOptions, out: PipelineRun[], commits: SynthCommit[]): void {
  // The commit graph: main advances a few times a day; feature branches fork from main and merge back.
  let mainHead: SynthCommit = {
    repo: repo.name,
    sha: rng.hex(40),
    parents: [],
    authored_at: iso(start - 30 * DAY),
    committed_at: iso(start - 30 * DAY),
  };
  commits.push(mainHead);
  const branches = new Map<string, { head: SynthCommit; pr: number }>();
  let prSeq = rng.int(100, 900);
  let failStreak = false;
  let deploySeq = 0;
  const lastDeployed = new Map<string, string>();

  const commitOn = (parent: SynthCommit, at: number, extraParent?: string): SynthCommit => {
    const authored = at - rng.logNormal(3_600_000, 1.2);
    const c: SynthCommit = {
      repo: repo.name,
      sha: rng.hex(40),
      parents: extraParent ? [parent.sha, extraParent] : [parent.sha],
      authored_at: iso(Math.max(authored, Date.parse(parent.committed_at) + 1000)),
      committed_at: iso(at),
    };
    commits.push(c);
    return c;
  };

  for (let day = 0; day < o.days; day++) {
    const dayStart = start + day * DAY;
    const times: number[] = [];
    for (let i = 0; i < o.runsPerDay; i++) {
      // Busier in working hours: a mixture of a 09:00–18:00 bump and the whole day.
      const hour = rng.chance(0.8) ? 9 + rng.next() * 9 : rng.next() * 24;
      times.push(dayStart + hour * 3_600_000);
    }
    times.sort((a, b) => a - b);
    const prodSlots = new Set<number>();
    const prodCount = Math.max(0, Math.round(repo.prodDeploysPerDay + rng.normal(0, 0.7)));
    for (let k = 0; k < prodCount; k++) prodSlots.add(rng.int(0, times.length - 1));

    times.forEach((t, idx) => {
      // Pick what this run builds: a push to main (often a merge) or a PR branch.
      let branch = 'main';
      let pr: number | null = null;
      let commit: SynthCommit;
      if (rng.chance(0.45) || idx === 0) {
        const open = [...branches.entries()];
        if (open.length && rng.chance(0.5)) {
          const [name, b] = rng.pick(open);
          branches.delete(name);
          mainHead = commitOn(mainHead, t - 60_000, b.head.sha); // merge commit
        } else mainHead = commitOn(mainHead, t - 60_000);
        commit = mainHead;
      } else {
        const open = [...branches.entries()];
        if (open.length < 2 || rng.chance(0.35)) {
          const name = `feature/${rng.pick(['login', 'cache', 'retry', 'api', 'ui', 'perf', 'docs', 'deps'])}-${rng.hex(4)}`;
          const b = { head: commitOn(mainHead, t - 120_000), pr: ++prSeq };
          branches.set(name, b);
          branch = name;
          pr = b.pr;
          commit = b.head;
        } else {
          const [name, b] = rng.pick(open);
          b.head = commitOn(b.head, t - 90_000);
          branch = name;
          pr = b.pr;
          commit = b.head;
        }
      }
      const failP = failStreak ? Math.min(0.6, repo.failRate * 4) : repo.failRate;
      const failed = rng.chance(failP);
      failStreak = failed;
      const canceled = !failed && rng.chance(0.01);
      const rec = buildRun(rng, repo, t, commit.sha, branch, pr, failed ? 'failed' : canceled ? 'canceled' : 'success', o);
      out.push(rec);

      // Deployments from green main builds: dev always, staging often, prod in its slots.
      if (branch === 'main' && rec.status === 'success') {
        const after = Date.parse(rec.ended_at);
        out.push(deployRun(rng, repo, after + 60_000, commit.sha, 'dev', `deploy-${repo.name.split('/')[1]}-${++deploySeq}`, 'direct', 0, o));
        if (rng.chance(0.6))
          out.push(deployRun(rng, repo, after + 300_000, commit.sha, 'staging', `deploy-${repo.name.split('/')[1]}-${++deploySeq}`, 'rolling', 0, o));
        if (prodSlots.has(idx) && lastDeployed.get('prod') !== commit.sha) {
          const id = `deploy-${repo.name.split('/')[1]}-${++deploySeq}`;
          let at = after + 900_000;
          // Canary: steps 1..3; a bad canary rolls back at the failing step.
          for (let step = 1; step <= 3; step++) {
            const r = deployRun(rng, repo, at, commit.sha, 'prod', id, 'canary', step, o);
            out.push(r);
            at = Date.parse(r.ended_at) + 120_000;
            if (r.status !== 'success') break;
          }
          lastDeployed.set('prod', commit.sha);
        }
      }
    });
  }
}

function jobsFor(rng: Rng, repo: RepoProfile, status: PipelineRun['status'], flaky: boolean): ContractJob[] {
  const machine = { class: rng.pick(['standard', 'standard', 'large']), cpu: '4', ram_gb: 16 };
  const mk = (id: string, name: string, median: number, st: ContractJob['status'], attempt = 1): ContractJob => ({
    id,
    name,
    status: st,
    attempt,
    duration_ms: Math.round(rng.logNormal(median, 0.35)),
    queue_ms: Math.round(rng.logNormal(4_000, 0.9)),
    cache: { hit: rng.chance(0.78), key: `${repo.lang}-deps-${rng.hex(6)}` },
    machine,
  });
  const failing = status === 'failed' ? rng.pick(['build', 'lint', 'test', 'test', 'test', 'integration']) : null;
  const jobs: ContractJob[] = [];
  const stop = (id: string) => failing === id;
  jobs.push(mk('build', 'build', repo.buildMedianMs, stop('build') ? 'failed' : 'success'));
  if (stop('build')) return jobs;
  jobs.push(mk('lint', 'lint', 25_000, stop('lint') ? 'failed' : 'success'));
  if (flaky) jobs.push(mk('test', 'unit tests', repo.testMedianMs, 'failed', 1));
  jobs.push(mk('test', 'unit tests', repo.testMedianMs, stop('test') ? 'failed' : 'success', flaky ? 2 : 1));
  jobs.push(mk('integration', 'integration tests', repo.testMedianMs * 1.6, stop('integration') ? 'failed' : status === 'canceled' ? 'canceled' : 'success'));
  return jobs;
}

function costOf(rng: Rng, repo: RepoProfile, cpuSeconds: number) {
  const usd = Math.round(cpuSeconds * 0.0008 * (1 + rng.next() * 0.2) * 1000) / 1000;
  const kwh = Math.round(cpuSeconds * 0.000012 * 10000) / 10000;
  const carbon = Math.round(kwh * (CARBON_INTENSITY[repo.region] ?? 400) * 100) / 100;
  return { usd, kwh, carbon };
}

function buildRun(
  rng: Rng,
  repo: RepoProfile,
  t: number,
  sha: string,
  branch: string,
  pr: number | null,
  status: PipelineRun['status'],
  _o: SynthOptions,
): PipelineRun {
  const flaky = status === 'success' && rng.chance(repo.flakeRate);
  const jobs = jobsFor(rng, repo, status, flaky);
  const queue = Math.round(rng.logNormal(6_000, 1.0));
  const wall = jobs.reduce((s, j) => s + j.duration_ms + (j.queue_ms ?? 0), 0);
  const started = t + queue;
  const ended = started + wall;
  const cpuSeconds = (jobs.reduce((s, j) => s + j.duration_ms, 0) / 1000) * 4;
  const c = costOf(rng, repo, cpuSeconds);
  const ran = jobs.some((j) => j.id === 'test');
  const total = ran ? repo.testsTotal + rng.int(-5, 5) : 0;
  const testFailed = status === 'failed' && jobs.some((j) => j.id === 'test' && j.status === 'failed') ? rng.int(1, 6) : 0;
  const flakyExec = flaky ? rng.int(1, 3) : 0;
  const mutation = ran && repo.mutation && (branch === 'main' || rng.chance(0.3));
  const mutantsTotal = mutation ? rng.int(200, 1200) : 0;
  const equiv = mutation ? rng.int(0, Math.round(mutantsTotal * 0.04)) : 0;
  const score = mutation ? Math.min(0.99, Math.max(0.4, rng.normal(0.8, 0.06))) : 0;
  const killed = mutation ? Math.round(score * Math.max(1, mutantsTotal - equiv)) : 0;
  const cov = Math.min(0.99, Math.max(0.3, repo.coverage + rng.normal(0, 0.01)));
  const rec: PipelineRun = {
    schema: 'pipeline_run.v1.2',
    run_id: rng.uuid(),
    repo: repo.name,
    commit_sha: sha,
    branch,
    pr,
    started_at: iso(started),
    ended_at: iso(ended),
    status,
    queue_ms: queue,
    artifact_bytes: rng.int(1, 200) * 1024 * 1024,
    runner_os: 'linux',
    runner_type: rng.chance(0.8) ? 'hosted' : 'self-hosted',
    region: repo.region,
    spot: rng.chance(0.3),
    carbon_g_co2e: c.carbon,
    energy: { kwh: c.kwh },
    cache_keys: [...new Set(jobs.map((j) => j.cache!.key!))].slice(0, 2),
    flakiness_index: total > 0 ? Math.round((flakyExec / total) * 1e6) / 1e6 : 0,
    jobs,
    tests: {
      total,
      failed: Math.min(testFailed, total),
      skipped: total > 0 ? rng.int(0, 12) : 0,
      duration_ms: ran ? Math.round(jobs.filter((j) => j.id === 'test').reduce((s, j) => s + j.duration_ms, 0) * 0.9) : 0,
      ...(ran ? { coverage: { lines_pct: round3(cov), branches_pct: round3(cov - 0.07), statements_pct: round3(cov - 0.02) } } : {}),
      resilience: {
        mutants_total: mutantsTotal,
        killed,
        equiv,
        timeout: mutation ? Math.min(killed, rng.int(0, 15)) : 0,
        score: mutation ? round3(killed / Math.max(1, mutantsTotal - equiv)) : 0,
        ...(mutation ? { equivalent_mutants_dropped: equiv > 0 } : {}),
      },
    },
    policies: [
      { id: 'pinned_action_shas', result: rng.chance(0.95) ? 'allow' : 'warn' },
      { id: 'license_allowlist', result: rng.chance(0.97) ? 'allow' : 'deny', ...(rng.chance(0.5) ? { reason: 'SPDX allowlist checked' } : {}) },
    ],
    cost: { usd: c.usd, cpu_seconds: Math.round(cpuSeconds), gpu_seconds: 0 },
  };
  if (rng.chance(0.01)) {
    rec.chaos = [
      {
        fault: rng.pick(['kill_job', 'delay_net', 'corrupt_cache'] as const),
        target: 'test',
        seed: rng.int(1, 1_000_000),
        rate: 0.01,
        outcome: rng.pick(['recovered', 'recovered', 'degraded'] as const),
        retries: rng.int(0, 2),
      },
    ];
  }
  return rec;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function deployRun(
  rng: Rng,
  repo: RepoProfile,
  t: number,
  sha: string,
  env: 'dev' | 'staging' | 'prod',
  deploymentId: string,
  strategy: 'direct' | 'rolling' | 'canary',
  step: number,
  _o: SynthOptions,
): PipelineRun {
  const dur = Math.round(rng.logNormal(env === 'prod' ? 240_000 : 90_000, 0.4));
  const started = t;
  const ended = started + dur;
  const bad = env === 'prod' && strategy === 'canary' && rng.chance(0.07);
  const failedDeploy = !bad && rng.chance(env === 'prod' ? 0.03 : 0.02);
  const status: PipelineRun['status'] = bad || failedDeploy ? 'failed' : 'success';
  const c = costOf(rng, repo, dur / 1000);
  const rec: PipelineRun = {
    schema: 'pipeline_run.v1.2',
    run_id: rng.uuid(),
    repo: repo.name,
    commit_sha: sha,
    branch: 'main',
    pr: null,
    started_at: iso(started),
    ended_at: iso(ended),
    status,
    queue_ms: Math.round(rng.logNormal(3_000, 0.8)),
    environment: env,
    deployment_id: deploymentId,
    strategy,
    image_digest: `sha256:${rng.hex(64)}`,
    runner_os: 'linux',
    runner_type: 'hosted',
    region: repo.region,
    spot: false,
    carbon_g_co2e: c.carbon,
    energy: { kwh: c.kwh },
    jobs: [{ id: 'deploy', name: `deploy ${env}`, status, attempt: 1, duration_ms: dur, queue_ms: Math.round(rng.logNormal(2_000, 0.7)) }],
    tests: { total: 0, failed: 0, duration_ms: 0, resilience: { mutants_total: 0, killed: 0, equiv: 0, timeout: 0, score: 0 } },
    policies: [{ id: 'two_person_prod', result: env === 'prod' ? 'allow' : 'allow', reason: 'Distinct approvers met two-person rule' }],
    cost: { usd: c.usd, cpu_seconds: Math.round(dur / 1000), gpu_seconds: 0 },
  };
  if (strategy === 'canary') {
    rec.rollout_step = step;
    const errorRate = bad ? 0.02 + rng.next() * 0.05 : Math.abs(rng.normal(0.001, 0.0005));
    rec.canary_metrics = {
      error_rate: round6(errorRate),
      success_rate: round6(1 - errorRate),
      latency_p50_ms: Math.round(rng.logNormal(45, 0.15)),
      latency_p95_ms: Math.round(rng.logNormal(bad ? 220 : 90, 0.15)),
      latency_p99_ms: Math.round(rng.logNormal(bad ? 400 : 140, 0.15)),
      reqs_per_s: Math.round(rng.logNormal(120, 0.3)),
    };
    if (bad) rec.rollback_reason = `canary step ${step}: error rate ${(errorRate * 100).toFixed(1)}% over the 1% budget`;
  }
  return rec;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
