/* Generated from pipeline_run.v1.2.schema.json by scripts/gen-contract-types.mjs. Do not edit. */

export interface PipelineRunV12 {
  schema: 'pipeline_run.v1.2';
  run_id: string;
  repo: string;
  commit_sha: string;
  branch: string;
  pr?: number | null;
  started_at: string;
  ended_at: string;
  status: 'success' | 'failed' | 'canceled' | 'skipped';
  queue_ms?: number;
  artifact_bytes?: number;
  environment?: 'preview' | 'dev' | 'staging' | 'prod' | 'test';
  deployment_id?: string;
  rollout_step?: number | null;
  strategy?: 'direct' | 'rolling' | 'blue-green' | 'canary';
  image_digest?: string;
  sbom_uri?: string;
  provenance_uri?: string;
  signature_uri?: string;
  release_evidence_uri?: string;
  runner_os?: 'linux' | 'windows' | 'macos';
  runner_type?: 'hosted' | 'self-hosted';
  region?: string;
  spot?: boolean;
  carbon_g_co2e?: number;
  energy?: {
    kwh?: number;
  };
  cache_keys?: string[];
  flakiness_index?: number;
  canary_metrics?: {
    error_rate?: number;
    success_rate?: number;
    latency_p50_ms?: number;
    latency_p95_ms?: number;
    latency_p99_ms?: number;
    reqs_per_s?: number;
  };
  rollback_reason?: string;
  /**
   * @minItems 1
   */
  jobs: {
    id: string;
    name: string;
    status: 'success' | 'failed' | 'canceled' | 'skipped';
    attempt?: number;
    duration_ms: number;
    queue_ms?: number;
    cache?: {
      hit?: boolean;
      key?: string;
    };
    machine?: {
      class?: string;
      cpu?: string;
      ram_gb?: number;
    };
    matrix?: {
      [k: string]: string | number | boolean;
    };
    logs_uri?: string;
  }[];
  tests: {
    total: number;
    failed: number;
    skipped?: number;
    duration_ms: number;
    coverage?: {
      lines_pct?: number;
      branches_pct?: number;
      statements_pct?: number;
    };
    resilience: {
      mutants_total: number;
      killed: number;
      equiv: number;
      timeout: number;
      score: number;
      delta_vs_main?: number;
      equivalent_mutants_dropped?: boolean;
    };
  };
  chaos?: {
    fault: 'kill_job' | 'delay_net' | 'drop_net' | 'corrupt_cache' | 'cpu_stress' | 'disk_fill';
    target: string;
    seed: number;
    rate?: number;
    started_at?: string;
    ended_at?: string;
    outcome: 'recovered' | 'degraded' | 'failed';
    retries?: number;
  }[];
  autopsy?: {
    root_causes?: {
      tool?: string;
      pattern: string;
      file?: string;
      line?: number;
      message?: string;
      suggestion: string;
      severity?: 'info' | 'warn' | 'error';
      docs_uri?: string;
    }[];
  };
  policies?: {
    id: string;
    result: 'allow' | 'deny' | 'warn';
    reason?: string;
    docs_uri?: string;
    time_ns?: number;
  }[];
  cost: {
    usd?: number;
    cpu_seconds?: number;
    gpu_seconds?: number;
  };
}
