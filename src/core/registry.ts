// The pillar registry (DESIGN.md "Layout"): each pillar declares itself as data and the server and
// CLI assemble the registered pillars. A pillar imports core/ and never another pillar's files.
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry as PromRegistry } from 'prom-client';
import type { BlobStore } from './blob/index.js';
import type { EventBus, Subscription } from './bus/index.js';
import type { Config, ConfigSection } from './config.js';
import type { HubApp } from './http/types.js';
import type { CoreTables, Store } from './db/index.js';
import type { Migration } from './db/migrate.js';
import type { BadgeDef } from './badge.js';
import type { Redactor } from './redact/index.js';
import type { SynthContext } from './synth/types.js';
import type { SchemaSet } from './contract/registry.js';

/** Everything a pillar's hub-side code may use. */
export interface HubContext {
  config: Config;
  store: Store;
  db: Kysely<CoreTables>;
  blob: BlobStore;
  bus: EventBus;
  redactor: Redactor;
  log: Logger;
  metrics: PromRegistry;
  /** The clock; analysis never calls Date.now() itself (DESIGN.md "Time"). */
  now: () => Date;
}

/** A Prometheus rule group (recording rules and alerts), as `promtool check rules` reads it. */
export interface RuleGroup {
  name: string;
  rules: Array<Record<string, unknown>>;
}

/** What CLI commands get: the config is loaded lazily, the store opened only by commands that need it. */
export interface CliContext {
  /** Loads and validates the configuration (flags merged in by the caller). */
  config(flags?: Record<string, unknown>): Config;
  /**
   * Opens the hub context on the configured store (migrated), for commands that read or write it
   * directly; close it when done.
   */
  openHub(flags?: Record<string, unknown>, opts?: { start?: boolean }): Promise<HubContext & { pillars: Pillar[]; close(): Promise<void> }>;
  /** Stdout/stderr writers (tests capture them). */
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** Is stderr a TTY (progress bars only then)? */
  isTTY: boolean;
  now: () => Date;
  /**
   * The rule groups the registered pillars add to `metrics rules` from their settings (the delivery
   * pillar's SLO burn-rate alerts); absent where no pillars are assembled (the Action's context).
   */
  alertRules?: (config: Config) => RuleGroup[];
  /**
   * The registered gates, for a gate that composes others (the release gate runs the readiness
   * gate); absent where no pillars are assembled.
   */
  gates?: () => GateDef[];
}

export interface GateResult {
  pass: boolean;
  /** The measured value, on the gate's scale. */
  value: number | null;
  /** The threshold, as given. */
  min?: number;
  max?: number;
  reason: string;
  /** Extra key=value fields for the one-line output. */
  fields?: Record<string, string | number>;
}

/** A gate contributed to `ci-intel gate <name>` (DESIGN.md gate conventions). */
export interface GateDef {
  name: string;
  description: string;
  /** Adds the gate's own arguments and options (its --help example included). */
  configure(cmd: Command): void;
  /** Runs the gate with the parsed positional arguments and options. */
  run(args: string[], opts: Record<string, unknown>, ctx: CliContext): Promise<GateResult>;
}

/**
 * A dashboard page a pillar owns: a link in the navigation, `/?page=<id>`. Its view, when the
 * pillar designs one, is the browser code in the pillar's `web/` folder, exported under the same id
 * and listed in `src/web/views.ts`; a page without a view shows the panels that name it,
 * rendered generically. Panels other pillars put on a page follow its view.
 */
export interface PageDef {
  /** The page's id in the URL; unique across pillars (`run` is the shell's run-detail page). */
  id: string;
  /** The link text in the navigation and the browser tab's title, in the user's words. */
  title: string;
  /** Position in the navigation, ascending (default 50). */
  order?: number;
}

/** A dashboard panel: a card filled from one API answer, rendered generically (assembled by the web UI from the registry). */
export interface PanelDef {
  id: string;
  /** The card's heading, in the user's words. */
  title: string;
  /** The page the panel appears on: a page some pillar declares (`overview`, `tests` ...). */
  page: string;
  /** The API path the panel reads (GET, with the page's filters; asked again without them on 400). */
  api: string;
  /** Position among the page's panels, ascending (default 50). */
  order?: number;
}

/** The instants before which data goes, by kind (`retention:` in ci-intel.yml). */
export interface RetentionCutoffs {
  /** Raw job logs. */
  rawLogs: Date;
  /** Records and deliveries as sent. */
  records: Date;
  /** Rows derived from them (the marts). */
  derived: Date;
  /** Plumbing (delivered events, idempotency keys). */
  plumbing: Date;
}

/**
 * Deletes (or, on a dry run, counts) a pillar's own rows past the cutoffs; returns how many of
 * each kind, e.g. `{ webhook_deliveries: 3 }`. Run daily under `serve` and by `ci-intel prune`.
 */
export type RetentionHook = (ctx: HubContext, r: { cutoffs: RetentionCutoffs; dryRun: boolean }) => Promise<Record<string, number>>;

/** One data check's outcome after a load (contract tests, data-quality gates). */
export interface LoadCheck {
  /** The check's id (`unique_run_id`, `freshness` ...). */
  check: string;
  /** The table or view it checked. */
  target: string;
  severity: 'warn' | 'fail';
  passed: boolean;
  /** What it measured (failing rows, seconds, a rate); null when there was nothing to measure. */
  value: number | null;
  threshold: number | null;
  /** In the user's words: what was found and what to do. */
  message: string;
}

/** A load just stored (NDJSON ingest through the API or the CLI). */
export interface LoadInfo {
  load_id: string;
  run_ids: string[];
}

/** Enrichment for GET /api/v1/runs/:id: what this pillar derived for a run (merged under `analyses`). */
export type RunAnalyzer = (ctx: HubContext, runId: string) => Promise<Record<string, unknown> | null>;

export interface Pillar {
  id: string;
  /** Its ci-intel.yml section, validated with the core config. */
  config?: ConfigSection;
  migrations?: Migration[];
  /** Registers HTTP routes under the shared app (API paths under /api/v1). */
  routes?: (app: HubApp, ctx: HubContext) => void | Promise<void>;
  /** Adds top-level commands to the CLI. */
  commands?: (program: Command, ctx: CliContext) => void;
  gates?: GateDef[];
  /** Bus subscriptions; built with the hub context when the hub starts. */
  subscriptions?: (ctx: HubContext) => Subscription[];
  /** Adds series to the shared Prometheus registry (pull-time collectors read the store). */
  metrics?: (registry: PromRegistry, ctx: HubContext) => void;
  /** Dashboard pages it owns (the navigation lists every pillar's pages by `order`). */
  pages?: PageDef[];
  panels?: PanelDef[];
  /** Contributes to synthetic data (`ci-intel synth`, `serve --demo`). */
  synth?: (ctx: SynthContext) => void;
  /** Stores the extras its `synth` generated (`serve --demo`). */
  seedDemo?: (ctx: HubContext, extras: unknown[]) => Promise<void>;
  /** What GET /api/v1/runs/:id shows under `analyses.<pillar id>`. */
  analyze?: RunAnalyzer;
  /** Prunes the pillar's own tables past retention (core prunes core's). */
  retention?: RetentionHook;
  /** README badges of its metrics (GET /badge/OWNER/REPO/<metric>.svg). */
  badges?: BadgeDef[];
  /** Prometheus rule groups it adds to `ci-intel metrics rules`, from the configuration. */
  alertRules?: (config: Config) => RuleGroup[];
  /** Checks run after each NDJSON load; their breaches go into the ingest answer. */
  afterLoad?: (ctx: HubContext, load: LoadInfo) => Promise<LoadCheck[]>;
  /** Background work while the hub runs; returns a stop function. */
  background?: (ctx: HubContext) => () => void | Promise<void>;
  /** The contracts it accepts or writes (upload payloads, documents), for the schema registry. */
  schemas?: SchemaSet;
}

export function definePillar(p: Pillar): Pillar {
  if (!/^[a-z][a-z0-9-]*$/.test(p.id)) throw new Error(`pillar id ${p.id} must be kebab-case`);
  return p;
}
