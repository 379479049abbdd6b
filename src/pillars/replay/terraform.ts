// Terraform's documented JSON: the plan representation of `terraform show -json PLAN`
// (format_version 1.x: resource_changes, resource_drift, configuration.provider_config, variables)
// and the machine-readable UI of `terraform plan|apply -json` (one JSON message per line:
// planned_change, resource_drift, apply_start/apply_complete/apply_errored, change_summary,
// diagnostic). Sensitive values are redacted here, before anything is stored.
import { At, parseJson, parseJsonLines } from './shape.js';
import { redactSensitive } from './redact.js';

export interface ResourceChange {
  address: string;
  type: string;
  provider: string;
  /** ["create"], ["update"], ["delete","create"] (replace), ["no-op"], ["read"] ... */
  actions: string[];
  /** Redacted before/after values. */
  before?: unknown;
  after?: unknown;
}

export interface ProviderUse {
  name: string;
  source: string;
  constraint?: string;
  version?: string;
  hashes?: string[];
}

export interface TerraformPlan {
  terraformVersion: string;
  formatVersion: string;
  changes: ResourceChange[];
  drift: ResourceChange[];
  providers: ProviderUse[];
  /** Variables with sensitive ones redacted. */
  variables: Record<string, unknown>;
  errored: boolean;
  /** When Terraform made the plan (plan JSON `timestamp`, Terraform >= 1.5). */
  timestamp?: string;
}

function changesOf(list: At, sensitive: Set<string>): ResourceChange[] {
  if (list.value === undefined) return [];
  return list
    .array()
    .map((rc) => {
      rc.object();
      const ch = rc.get('change').object();
      return {
        address: rc.get('address').string(),
        type: rc.get('type').string(),
        provider: rc.get('provider_name').string(),
        actions: ch.get('actions').strings(),
        before: redactSensitive(ch.get('before').value, ch.get('before_sensitive').value, sensitive),
        after: redactSensitive(ch.get('after').value, ch.get('after_sensitive').value, sensitive),
      };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** Strings marked sensitive anywhere in the plan: a sensitive variable's value, a marked attribute. */
function sensitiveStrings(plan: At): Set<string> {
  const out = new Set<string>();
  const vars = plan.get('configuration').get('root_module').get('variables');
  if (vars.isObject()) {
    for (const [name, v] of vars.entries()) {
      const value = plan.get('variables').get(name).get('value').value;
      if (v.get('sensitive').value === true && typeof value === 'string' && value) out.add(value);
    }
  }
  const walk = (value: unknown, marks: unknown) => {
    if (marks === true) {
      const collect = (x: unknown): void => {
        if (typeof x === 'string' && x) out.add(x);
        else if (x && typeof x === 'object') for (const y of Object.values(x)) collect(y);
      };
      collect(value);
    } else if (marks && typeof marks === 'object' && value && typeof value === 'object') {
      for (const [k, m] of Object.entries(marks)) walk((value as Record<string, unknown>)[k], m);
    }
  };
  for (const key of ['resource_changes', 'resource_drift']) {
    const list = plan.get(key);
    if (!Array.isArray(list.value)) continue;
    for (const rc of list.array()) {
      const ch = rc.get('change');
      walk(ch.get('before').value, ch.get('before_sensitive').value);
      walk(ch.get('after').value, ch.get('after_sensitive').value);
    }
  }
  return out;
}

export function parsePlan(text: string, file: string): TerraformPlan {
  const plan = parseJson(text, file).object();
  const formatVersion = plan.get('format_version').string();
  if (!/^1\./.test(formatVersion)) plan.get('format_version').fail(`is ${formatVersion}; this reads the plan JSON format 1.x`);
  const sensitive = sensitiveStrings(plan);
  const providers: ProviderUse[] = [];
  const pc = plan.get('configuration').get('provider_config');
  if (pc.isObject())
    for (const [name, p] of pc.entries())
      providers.push({ name, source: p.get('full_name').optString() ?? name, constraint: p.get('version_constraint').optString() });
  const variables: Record<string, unknown> = {};
  const vars = plan.get('variables');
  if (vars.isObject()) for (const [name, v] of vars.entries()) variables[name] = redactSensitive(v.get('value').value, undefined, sensitive);
  return {
    terraformVersion: plan.get('terraform_version').string(),
    formatVersion,
    changes: changesOf(plan.get('resource_changes'), sensitive),
    drift: changesOf(plan.get('resource_drift'), sensitive),
    providers: providers.sort((a, b) => a.source.localeCompare(b.source)),
    variables,
    errored: plan.get('errored').value === true,
    timestamp: plan.get('timestamp').optString(),
  };
}

export interface ApplyLog {
  terraformVersion?: string;
  applied: Array<{ address: string; action: string; status: 'complete' | 'errored'; seconds?: number }>;
  /** From change_summary: add/change/remove (import when present). */
  summary?: { add: number; change: number; remove: number; operation: string };
  /** resource_drift messages (a refresh-only plan's drift). */
  drift: Array<{ address: string; action: string }>;
  planned: Array<{ address: string; action: string }>;
  errors: string[];
  /** The first message's @timestamp: when the run happened. */
  started?: string;
}

/** The machine-readable UI of `terraform plan|apply -json`. */
export function parseUiLog(text: string, file: string): ApplyLog {
  const log: ApplyLog = { applied: [], drift: [], planned: [], errors: [] };
  for (const m of parseJsonLines(text, file)) {
    m.object();
    const type = m.get('type').string();
    log.started ??= m.get('@timestamp').optString();
    const addr = (x: At) => x.get('resource').get('addr').string();
    if (type === 'version') log.terraformVersion = m.get('terraform').optString();
    else if (type === 'apply_complete' || type === 'apply_errored') {
      const h = m.get('hook').object();
      const secs = h.get('elapsed_seconds').value;
      log.applied.push({
        address: addr(h),
        action: h.get('action').string(),
        status: type === 'apply_complete' ? 'complete' : 'errored',
        seconds: typeof secs === 'number' ? secs : undefined,
      });
    } else if (type === 'resource_drift' || type === 'planned_change') {
      const c = m.get('change').object();
      (type === 'resource_drift' ? log.drift : log.planned).push({ address: addr(c), action: c.get('action').string() });
    } else if (type === 'change_summary') {
      const c = m.get('changes').object();
      const n = (k: string) => (typeof c.get(k).value === 'number' ? (c.get(k).value as number) : 0);
      log.summary = { add: n('add'), change: n('change'), remove: n('remove'), operation: c.get('operation').optString() ?? 'apply' };
    } else if (type === 'diagnostic' && m.get('@level').value === 'error') {
      log.errors.push(m.get('diagnostic').get('summary').optString() ?? m.get('@message').string());
    }
  }
  const by = (a: { address: string }, b: { address: string }) => a.address.localeCompare(b.address);
  log.applied.sort(by);
  log.drift.sort(by);
  log.planned.sort(by);
  return log;
}

/** `.terraform.lock.hcl`: the provider versions and hashes `terraform init` locked. */
export function parseLockFile(text: string): ProviderUse[] {
  const out: ProviderUse[] = [];
  for (const m of text.matchAll(/provider\s+"([^"]+)"\s*\{([\s\S]*?)\n\}/g)) {
    const body = m[2]!;
    const source = m[1]!;
    out.push({
      name: source.split('/').pop()!,
      source,
      version: /\bversion\s*=\s*"([^"]+)"/.exec(body)?.[1],
      constraint: /\bconstraints\s*=\s*"([^"]+)"/.exec(body)?.[1],
      hashes: [.../"((?:h1|zh):[^"]+)"/g[Symbol.matchAll](body)].map((h) => h[1]!),
    });
  }
  return out.sort((a, b) => a.source.localeCompare(b.source));
}

/** Writes a lock file back from recorded providers (for `replay run`). */
export function renderLockFile(providers: ProviderUse[]): string {
  const blocks = providers
    .filter((p) => p.version)
    .map((p) => {
      const lines = [`provider "${p.source}" {`, `  version     = "${p.version}"`];
      if (p.constraint) lines.push(`  constraints = "${p.constraint}"`);
      if (p.hashes?.length) lines.push('  hashes = [', ...p.hashes.map((h) => `    "${h}",`), '  ]');
      return [...lines, '}'].join('\n');
    });
  return `# This file is maintained automatically by "terraform init".\n# Manual edits may be lost in future updates.\n\n${blocks.join('\n\n')}\n`;
}
