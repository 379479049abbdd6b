// GitHub Actions rules over workflows (.github/workflows/*.yml) and composite actions (action.yml).
// Each finding is reported where the construct is written: a workflow-level grant once on its line,
// not once per job inheriting it.
import { isMap, type Node, type Pair, type YAMLMap } from 'yaml';
import { asMap, entries, items, pairOf, sourceOf, str, text, valueOf, type YamlFile } from '../yaml-doc.js';
import { Emitter, imageDynamic, imagePinned } from './emit.js';
import { isSecretName, scanShell } from './shell.js';
import type { Finding } from '../model.js';

export const SHA40 = /^[0-9a-f]{40}$/;

/** Contexts an outside contributor controls (issue and PR text, branch names, commit messages). */
export const UNTRUSTED_CONTEXT =
  /\bgithub\.(?:head_ref\b|event\.(?:(?:issue|pull_request|discussion)\.(?:title|body)\b|(?:comment|review|review_comment)\.body\b|pull_request\.head\.(?:ref|label|repo\.default_branch)\b|pages(?:\[[^\]]*\]|\.\*)?\.page_name\b|commits(?:\[[^\]]*\]|\.\*)?\.(?:message|author\.(?:email|name))\b|head_commit\.(?:message|author\.(?:email|name)|committer\.(?:email|name))\b|workflow_run\.(?:head_branch|display_title|head_commit\.(?:message|author\.(?:email|name)))\b|workflow_run\.pull_requests(?:\[[^\]]*\]|\.\*)?\.head\.ref\b))|\bto[jJ][sS][oO][nN]\(\s*github\.event(?:\.(?:issue|pull_request|comment|review|discussion|head_commit|commits|workflow_run))?\s*\)/;

/** References that check out the pull request's head (the contributor's code). */
const UNTRUSTED_REF =
  /github\.event\.pull_request\.head\.(?:sha|ref)\b|github\.head_ref\b|github\.event\.workflow_run\.head_(?:sha|branch)\b|github\.event\.pull_request\.merge_commit_sha\b|refs\/pull\/|github\.event\.pull_request\.head\.repo\.full_name\b|github\.event\.workflow_run\.head_repository\.full_name\b/;

const PRIVILEGED_TRIGGERS = new Set(['pull_request_target', 'workflow_run', 'issue_comment']);
const PR_TRIGGERS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']);

/** Actions that use the workflow token only to read (or not at all). */
const READ_ONLY_ACTIONS = [
  /^actions\/(?:checkout|setup-[\w-]+|cache(?:\/\w+)?|upload-artifact|download-artifact|configure-pages|upload-pages-artifact|dependency-review-action)$/,
  /^docker\/(?:setup-buildx-action|setup-qemu-action|metadata-action|build-push-action|bake-action)$/,
  /^(?:dtolnay\/rust-toolchain|Swatinem\/rust-cache|pnpm\/action-setup|oven-sh\/setup-bun|astral-sh\/setup-uv|ruby\/setup-ruby|shivammathur\/setup-php|subosito\/flutter-action|erlef\/setup-beam|julia-actions\/setup-julia|hashicorp\/setup-terraform|azure\/setup-(?:helm|kubectl)|gradle\/actions\/setup-gradle|gradle\/gradle-build-action|actions-rs\/toolchain|actions-rust-lang\/setup-rust-toolchain|denoland\/setup-deno|mlugg\/setup-zig|goto-bus-stop\/setup-zig|jdx\/mise-action|taiki-e\/install-action|golangci\/golangci-lint-action|codecov\/codecov-action|coverallsapp\/github-action|aquasecurity\/trivy-action|anchore\/sbom-action|anchore\/scan-action|sigstore\/cosign-installer|pre-commit\/action|bufbuild\/buf-setup-action|extractions\/setup-just|arduino\/setup-protoc|nick-fields\/retry|browser-actions\/setup-chrome|cypress-io\/github-action|treosh\/lighthouse-ci-action|hadolint\/hadolint-action|ludeeus\/action-shellcheck|wagoid\/commitlint-github-action|crate-ci\/typos|streetsidesoftware\/cspell-action|DavidAnson\/markdownlint-cli2-action|helm\/kind-action|helm\/chart-testing-action|azure\/k8s-set-context|google-github-actions\/setup-gcloud)$/,
];

/** Scopes a known action needs written (the token is its default input or it calls the API). */
const ACTION_NEEDS: [RegExp, string[]][] = [
  [
    /^softprops\/action-gh-release$|^ncipollo\/release-action$|^actions\/create-release$|^actions\/upload-release-asset$|^svenstaro\/upload-release-action$/,
    ['contents'],
  ],
  [/^stefanzweifel\/git-auto-commit-action$|^EndBug\/add-and-commit$|^JamesIves\/github-pages-deploy-action$|^peaceiris\/actions-gh-pages$/, ['contents']],
  [/^goreleaser\/goreleaser-action$|^cycjimmy\/semantic-release-action$|^changesets\/action$/, ['contents', 'pull-requests', 'packages', 'issues', 'id-token']],
  [/^(?:googleapis|google-github-actions)\/release-please-action$|^peter-evans\/create-pull-request$/, ['contents', 'pull-requests', 'issues']],
  [/^release-drafter\/release-drafter$/, ['contents', 'pull-requests']],
  [
    /^peter-evans\/create-or-update-comment$|^marocchino\/sticky-pull-request-comment$|^thollander\/actions-comment-pull-request$|^mshick\/add-pr-comment$/,
    ['pull-requests', 'issues'],
  ],
  [
    /^actions\/labeler$|^actions\/stale$|^actions\/first-interaction$|^dependabot\/fetch-metadata$|^amannn\/action-semantic-pull-request$/,
    ['pull-requests', 'issues'],
  ],
  [/^JasonEtco\/create-an-issue$|^dacbd\/create-issue-from-file$|^lee-dohm\/no-response$/, ['issues']],
  [
    /^dorny\/test-reporter$|^EnricoMi\/publish-unit-test-result-action(?:\/.*)?$|^mikepenz\/action-junit-report$|^LouisBrunner\/checks-action$/,
    ['checks', 'pull-requests'],
  ],
  [/^reviewdog\//, ['checks', 'pull-requests']],
  [/^github\/codeql-action\//, ['security-events', 'actions']],
  [/^ossf\/scorecard-action$|^microsoft\/security-devops-action$/, ['security-events', 'id-token']],
  [/^actions\/deploy-pages$/, ['pages', 'id-token']],
  [/^actions\/attest(?:-build-provenance|-sbom)?$/, ['id-token', 'attestations']],
  [
    /^aws-actions\/configure-aws-credentials$|^google-github-actions\/auth$|^azure\/login$|^pypa\/gh-action-pypi-publish$|^hashicorp\/vault-action$|^rust-lang\/crates-io-auth-action$|^jfrog\/setup-jfrog-cli$|^octo-sts\/action$|^slsa-framework\//,
    ['id-token'],
  ],
  [/^chrnorm\/deployment-action$|^chrnorm\/deployment-status$|^bobheadxi\/deployments$/, ['deployments']],
  [/^myrotvorets\/set-commit-status-action$|^ouzi-dev\/commit-status-updater$/, ['statuses']],
];

/** Scopes a run script needs, recognizable from its text. */
const RUN_NEEDS: [RegExp, string[]][] = [
  [/\bgit\s+(?:push|tag)\b|\bsemantic-release\b|\bnpm\s+version\b|\blerna\s+(?:publish|version)\b|\bmvn\b[^\n]*release:|\bcargo\s+release\b/, ['contents']],
  [/ghcr\.io|docker\.pkg\.github\.com|npm\.pkg\.github\.com|maven\.pkg\.github\.com|nuget\.pkg\.github\.com|rubygems\.pkg\.github\.com/, ['packages']],
  [/\bcosign\s+(?:sign|attest)\b|--provenance\b|ACTIONS_ID_TOKEN_REQUEST|\bgitsign\b/, ['id-token']],
];

/** A run step hands the token to code we cannot see: it may need any scope. */
const RUN_USES_TOKEN = /\bgithub\.token\b|secrets\.GITHUB_TOKEN\b|\$\{?(?:GITHUB_TOKEN|GH_TOKEN)\b|\bgh\s+\w|api\.github\.com|\bhub\s+\w/;

export const ALL = 'ALL';

export interface StepInfo {
  map: YAMLMap;
  uses: string | null;
  usesNode: Node | null;
}

export function actionName(uses: string): string {
  const at = uses.indexOf('@');
  return at < 0 ? uses : uses.slice(0, at);
}

/** The events a workflow's `on:` names. */
function triggersOf(root: YAMLMap): Set<string> {
  const on = valueOf(root, 'on') ?? valueOf(root, 'true');
  const out = new Set<string>();
  const s = str(on);
  if (s) out.add(s);
  for (const i of items(on)) {
    const v = str(i);
    if (v) out.add(v);
  }
  if (isMap(on)) for (const e of entries(on)) out.add(e.key);
  return out;
}

export function stepsOf(job: YAMLMap | null): StepInfo[] {
  return items(valueOf(job, 'steps')).flatMap((n) => {
    const m = asMap(n);
    if (!m) return [];
    const usesNode = valueOf(m, 'uses');
    return [{ map: m, uses: str(usesNode), usesNode }];
  });
}

/** Env names (any level) whose value comes from `secrets.*`. */
function secretEnvNames(...envs: (Node | null)[]): Set<string> {
  const out = new Set<string>(['GITHUB_TOKEN', 'GH_TOKEN']);
  for (const e of envs)
    for (const { key, pair } of entries(asMap(e))) {
      const v = str(pair.value);
      if (v && /\bsecrets\s*[.[]/.test(v)) out.add(key);
    }
  return out;
}

class GithubChecker {
  readonly em: Emitter;
  constructor(readonly f: YamlFile) {
    this.em = new Emitter(f);
  }

  uses(node: Node | null, kind: 'action' | 'workflow'): void {
    const v = text(node)?.trim();
    if (!v || v.startsWith('./') || v.startsWith('.\\')) return;
    if (v.startsWith('docker://')) {
      if (!imagePinned(v)) {
        this.em.node(
          'unpinned-action',
          node,
          `${v} is a container image without a digest: the tag can be moved to other code`,
          `pin the image by digest: ${v.split('@')[0]}@sha256:<digest>`,
        );
      }
      return;
    }
    const at = v.lastIndexOf('@');
    const ref = at < 0 ? '' : v.slice(at + 1);
    if (SHA40.test(ref)) return;
    const what = kind === 'workflow' ? 'reusable workflow' : 'action';
    this.em.node(
      'unpinned-action',
      node,
      ref ? `${what} ${v.slice(0, at)} is pinned to "${ref}", which can be moved to other code` : `${what} ${v} has no version at all`,
      `pin it to a full commit SHA and keep the tag as a comment: ${at < 0 ? v : v.slice(0, at)}@<40-hex-sha> # ${ref || 'vX.Y.Z'}`,
    );
  }

  image(node: Node | null, where: string): void {
    const v = text(node)?.trim();
    if (!v || imageDynamic(v) || imagePinned(v)) return;
    this.em.node(
      'unpinned-image',
      node,
      `${where} image ${v} is not pinned by digest: the tag can be replaced`,
      `pin it: ${v.split('@')[0]}@sha256:<digest> (docker buildx imagetools inspect ${v} shows it)`,
    );
  }

  /** run: scripts and github-script: secrets, attacker-controlled expressions, remote scripts. */
  script(node: Node | null, secretEnv: Set<string>, kind: 'run' | 'github-script'): void {
    const src = sourceOf(this.f, node);
    if (!src) return;
    for (const m of src.text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
      const expr = m[1] ?? '';
      const off = src.offset + m.index;
      const bad = UNTRUSTED_CONTEXT.exec(expr);
      if (bad) {
        const name = bad[0];
        this.em.at(
          'template-injection',
          off,
          `${name} is controlled by whoever opens the issue or pull request, and is expanded into the ${kind === 'run' ? 'shell script' : 'script'} before it runs`,
          kind === 'run'
            ? `pass it through env: (env: { VALUE: \${{ ${name} }} }) and use "$VALUE" in the script`
            : `read it from context.payload in the script, or pass it through env: and process.env`,
        );
      }
      if (kind === 'run' && /\bsecrets\s*[.[]/.test(expr)) {
        this.em.at(
          'secret-in-command',
          off,
          `a secret is expanded into the script text (it lands in the script file and in process lists)`,
          'pass it through env: (env: { TOKEN: ${{ secrets.NAME }} }) and use "$TOKEN"; for logins pipe it to --password-stdin',
        );
      }
    }
    if (kind !== 'run') return;
    for (const h of scanShell(src.text, (n) => secretEnv.has(n) || isSecretName(n))) this.em.at(h.rule, src.offset + h.offset, h.message, h.fix);
  }

  /** env: maps with static cloud keys. */
  envKeys(env: Node | null): void {
    const m = asMap(env);
    if (!m) return;
    const keys = entries(m);
    const has = (k: string) => keys.some((e) => e.key === k);
    for (const { key, pair } of keys) {
      const v = str(pair.value) ?? '';
      if (!v.trim()) continue;
      const aws = key === 'AWS_ACCESS_KEY_ID' || (key === 'AWS_SECRET_ACCESS_KEY' && !has('AWS_ACCESS_KEY_ID'));
      const other =
        /^(?:GOOGLE_CREDENTIALS|GCP_SA_KEY|GCLOUD_SERVICE_KEY|GOOGLE_APPLICATION_CREDENTIALS_JSON|AZURE_CREDENTIALS|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET)$/.test(
          key,
        );
      if (!aws && !other) continue;
      this.em.node(
        'long-lived-credentials',
        pair.key as Node,
        `${key} puts a long-lived cloud key in the job's environment`,
        aws
          ? 'use OIDC: permissions: id-token: write and aws-actions/configure-aws-credentials with role-to-assume'
          : 'use OIDC workload identity federation (google-github-actions/auth with workload_identity_provider, azure/login with client-id/tenant-id)',
      );
    }
  }

  /** with: inputs of cloud login actions given static keys. */
  cloudLogin(step: StepInfo): void {
    if (!step.uses) return;
    const name = actionName(step.uses).toLowerCase();
    const w = asMap(valueOf(step.map, 'with'));
    const flag = (key: string, msg: string, fix: string) => {
      const p = pairOf(w, key);
      if (p && str(p.value)?.trim()) {
        this.em.node('long-lived-credentials', p.key, msg, fix);
        return true;
      }
      return false;
    };
    if (name === 'aws-actions/configure-aws-credentials') {
      const fix = 'remove the keys; grant id-token: write and set role-to-assume (an IAM role trusting token.actions.githubusercontent.com)';
      if (!flag('aws-access-key-id', 'static AWS access keys are used instead of an OIDC role', fix))
        flag('aws-secret-access-key', 'static AWS access keys are used instead of an OIDC role', fix);
    } else if (name === 'google-github-actions/auth') {
      flag(
        'credentials_json',
        'a Google Cloud service-account key is used instead of workload identity federation',
        'set workload_identity_provider and service_account, grant id-token: write, and delete the key',
      );
    } else if (name === 'azure/login') {
      flag(
        'creds',
        'an Azure service-principal secret is used instead of a federated credential',
        'use client-id, tenant-id and subscription-id with id-token: write (OIDC), and delete the secret',
      );
    }
  }
}

/** Scopes a job needs, or ALL when it hands the token to code whose needs we cannot know. */
export function jobNeeds(job: YAMLMap, f: YamlFile): Set<string> {
  const needs = new Set<string>();
  if (valueOf(job, 'uses')) return new Set([ALL]);
  const allText = sourceOf(f, job)?.text ?? '';
  for (const [re, scopes] of RUN_NEEDS) if (re.test(allText)) scopes.forEach((s) => needs.add(s));
  for (const s of stepsOf(job)) {
    const run = str(valueOf(s.map, 'run'));
    if (run !== null) {
      if (RUN_USES_TOKEN.test(sourceOf(f, s.map)?.text ?? '')) needs.add(ALL);
      continue;
    }
    if (!s.uses) continue;
    if (s.uses.startsWith('./') || s.uses.startsWith('docker://')) {
      needs.add(ALL);
      continue;
    }
    const name = actionName(s.uses);
    const known = ACTION_NEEDS.find(([re]) => re.test(name));
    if (known) {
      known[1].forEach((x) => needs.add(x));
      continue;
    }
    if (name === 'docker/login-action') {
      const reg = str(valueOf(asMap(valueOf(s.map, 'with')), 'registry')) ?? '';
      if (/ghcr\.io|pkg\.github\.com/.test(reg)) needs.add('packages');
      if (/\.ecr\.|amazonaws/.test(reg)) needs.add('id-token');
      continue;
    }
    if (READ_ONLY_ACTIONS.some((re) => re.test(name))) continue;
    needs.add(ALL); // an action we do not know may call the API with the token it gets by default
  }
  return needs;
}

/** Does the job use the workflow token (explicitly, through a known action, or by git push)? */
function jobUsesToken(job: YAMLMap, f: YamlFile): boolean {
  const text = sourceOf(f, job)?.text ?? '';
  if (/\bgithub\.token\b|\bsecrets\.GITHUB_TOKEN\b|\bsecrets\[['"]GITHUB_TOKEN['"]\]|\bgit\s+push\b/.test(text)) return true;
  return stepsOf(job).some((s) => {
    if (!s.uses) return false;
    const name = actionName(s.uses);
    const known = ACTION_NEEDS.find(([re]) => re.test(name));
    return Boolean(known && known[1].some((x) => x !== 'id-token'));
  });
}

const WRITE_FIX = (scope: string) => `grant ${scope}: read (or remove it) here, and give ${scope}: write only to the job that needs it`;

/** permissions: blocks — write-all, and write scopes nothing in their reach needs. */
function checkPermissions(c: GithubChecker, perms: Pair<Node, Node | null> | undefined, jobs: YAMLMap[], level: 'workflow' | 'job'): void {
  if (!perms) return;
  const v = perms.value;
  const s = str(v);
  if (s === 'write-all') {
    c.em.node(
      'excessive-permissions',
      v,
      `permissions: write-all gives the ${level === 'workflow' ? "workflow's jobs" : 'job'} every write scope of the repository token`,
      'list only the scopes the job uses, e.g. permissions: { contents: read }',
      'error',
    );
    return;
  }
  const m = asMap(v);
  if (!m) return;
  const needs = new Set<string>();
  for (const j of jobs) jobNeeds(j, c.f).forEach((x) => needs.add(x));
  if (needs.has(ALL)) return;
  for (const { key, pair } of entries(m)) {
    if (str(pair.value) !== 'write' || needs.has(key)) continue;
    c.em.node(
      'excessive-permissions',
      pair.key,
      `${key}: write is granted but nothing ${level === 'workflow' ? 'in the jobs inheriting it' : 'in this job'} writes ${key}`,
      WRITE_FIX(key),
    );
  }
}

function runsOnSelfHosted(runsOn: Node | null, job: YAMLMap): boolean {
  const labels: string[] = [];
  const s = str(runsOn);
  if (s) labels.push(s);
  for (const i of items(runsOn)) labels.push(str(i) ?? '');
  const m = asMap(runsOn);
  if (m) {
    const l = valueOf(m, 'labels');
    if (str(l)) labels.push(str(l)!);
    for (const i of items(l)) labels.push(str(i) ?? '');
  }
  if (labels.some((l) => l.trim() === 'self-hosted')) return true;
  // runs-on: ${{ matrix.x }} with a self-hosted entry in the matrix
  if (labels.some((l) => /\$\{\{\s*matrix\./.test(l))) {
    const text = JSON.stringify(asMap(valueOf(job, 'strategy'))?.toJSON() ?? {});
    return /"self-hosted"/.test(text);
  }
  return false;
}

/** A job condition keeping out pull requests from forks. */
const FORK_GUARD =
  /head\.repo\.full_name\s*==\s*github\.repository|github\.repository\s*==\s*github\.event\.pull_request\.head\.repo\.full_name|head\.repo\.fork\s*==\s*false|!\s*github\.event\.pull_request\.head\.repo\.fork|github\.event_name\s*[!=]=\s*'(?:push|pull_request|schedule|workflow_dispatch)'|github\.event\.pull_request\.author_association|contains\(\s*github\.event\.pull_request\.labels/;

export function checkWorkflow(f: YamlFile): Finding[] {
  const c = new GithubChecker(f);
  const root = asMap(f.root);
  if (!root) return [];
  const triggers = triggersOf(root);
  const privileged = [...triggers].some((t) => PRIVILEGED_TRIGGERS.has(t));
  const fromPRs = [...triggers].some((t) => PR_TRIGGERS.has(t));
  const wfEnv = valueOf(root, 'env');
  c.envKeys(wfEnv);
  const topPerms = pairOf(root, 'permissions');
  const jobs = entries(asMap(valueOf(root, 'jobs')));
  const inheriting: YAMLMap[] = [];
  let runsUntrusted = false;

  for (const { pair } of jobs) {
    const job = asMap(pair.value);
    if (!job) continue;
    const jobPerms = pairOf(job, 'permissions');
    if (!jobPerms) inheriting.push(job);
    const reusable = valueOf(job, 'uses');
    if (reusable) c.uses(reusable, 'workflow');
    checkPermissions(c, jobPerms, [job], 'job');
    if (!topPerms && !jobPerms && !reusable && jobUsesToken(job, f)) {
      c.em.node(
        'missing-permissions',
        pair.key,
        'this job uses the workflow token but neither it nor the workflow sets permissions: it gets the repository default (often read-write on everything)',
        'add a permissions: block to the job (or the workflow) with only the scopes it uses, e.g. permissions: { contents: read }',
      );
    }
    const runsOn = valueOf(job, 'runs-on');
    if (fromPRs && runsOnSelfHosted(runsOn, job) && !FORK_GUARD.test(str(valueOf(job, 'if')) ?? '')) {
      c.em.node(
        'self-hosted-public',
        pairOf(job, 'runs-on')?.key,
        'this job runs on a self-hosted runner and the workflow runs for pull requests: a fork can run its code on your machine',
        'run pull-request jobs on GitHub-hosted runners, or guard the job with if: github.event.pull_request.head.repo.full_name == github.repository',
      );
    }
    const container = valueOf(job, 'container');
    c.image(isMap(container) ? valueOf(container, 'image') : container, 'the job container');
    for (const { key, pair: sp } of entries(asMap(valueOf(job, 'services')))) {
      const svc = sp.value;
      c.image(isMap(svc) ? valueOf(svc, 'image') : svc, `service ${key}`);
    }
    const jobEnv = valueOf(job, 'env');
    c.envKeys(jobEnv);
    if (checkSteps(c, stepsOf(job), { wfEnv, jobEnv, privileged })) runsUntrusted = true;
  }
  // Reported once, on the trigger: every job running the pull request's code makes it dangerous.
  const trigger = runsUntrusted ? [...PRIVILEGED_TRIGGERS].map((t) => triggerNode(root, t)).find(Boolean) : null;
  if (trigger) {
    c.em.node(
      'dangerous-trigger',
      trigger,
      `${str(trigger) ?? ''} runs with secrets and a write token, and a job here checks out the pull request's code and runs it`,
      'use the pull_request trigger to build untrusted code; keep pull_request_target and workflow_run for steps that never run the checked-out code',
    );
  }
  checkPermissions(c, topPerms, inheriting, 'workflow');
  return c.em.findings;
}

/** Checks a job's steps; true when a privileged run checks out the pull request's code and runs it. */
function checkSteps(c: GithubChecker, steps: StepInfo[], ctx: { wfEnv?: Node | null; jobEnv?: Node | null; privileged: boolean }): boolean {
  let untrustedCheckout = false;
  let runsUntrusted = false;
  for (const s of steps) {
    const stepEnv = valueOf(s.map, 'env');
    c.envKeys(stepEnv);
    if (s.usesNode) c.uses(s.usesNode, 'action');
    c.cloudLogin(s);
    const secretEnv = secretEnvNames(ctx.wfEnv ?? null, ctx.jobEnv ?? null, stepEnv);
    const runNode = valueOf(s.map, 'run');
    if (runNode) c.script(runNode, secretEnv, 'run');
    const name = s.uses ? actionName(s.uses).toLowerCase() : '';
    const w = asMap(valueOf(s.map, 'with'));
    if (name === 'actions/github-script') c.script(valueOf(w, 'script'), secretEnv, 'github-script');
    if (!ctx.privileged) continue;
    if (name === 'actions/checkout') {
      const refText = [str(valueOf(w, 'ref')), str(valueOf(w, 'repository'))].join(' ');
      if (!UNTRUSTED_REF.test(refText)) continue;
      untrustedCheckout = true;
      if (str(valueOf(w, 'persist-credentials')) !== 'false') {
        c.em.node(
          'persist-credentials',
          s.usesNode,
          "this checkout of the pull request's code keeps the workflow token in .git/config, where the checked-out code can read it",
          'add with: persist-credentials: false',
        );
      }
      continue;
    }
    // Running comes after the checkout: a script, or a local action from the checked-out tree.
    if (untrustedCheckout && (runNode || s.uses?.startsWith('./'))) runsUntrusted = true;
    if (
      runNode &&
      /\b(?:gh\s+pr\s+checkout|git\s+(?:fetch|checkout)\b[^\n]*(?:refs\/pull\/|github\.event\.pull_request\.head|github\.head_ref))/.test(str(runNode) ?? '')
    )
      untrustedCheckout = true;
  }
  return runsUntrusted;
}

/** The node naming a trigger in `on:` (a scalar, a list item or a key). */
function triggerNode(root: YAMLMap, name: string): Node | null {
  const on = valueOf(root, 'on') ?? valueOf(root, 'true');
  if (str(on) === name) return on;
  const item = items(on).find((i) => str(i) === name);
  if (item) return item;
  return (pairOf(asMap(on), name)?.key as Node | undefined) ?? null;
}

/** Composite actions (action.yml with runs.using: composite) and Docker actions. */
export function checkAction(f: YamlFile): Finding[] {
  const c = new GithubChecker(f);
  const root = asMap(f.root);
  const runs = asMap(valueOf(root, 'runs'));
  if (!runs) return [];
  const using = str(valueOf(runs, 'using'));
  if (using === 'docker') {
    const image = str(valueOf(runs, 'image'));
    if (image?.startsWith('docker://')) c.uses(valueOf(runs, 'image'), 'action');
  }
  if (using !== 'composite') return c.em.findings;
  checkSteps(c, stepsOf(runs), { privileged: false });
  return c.em.findings;
}
