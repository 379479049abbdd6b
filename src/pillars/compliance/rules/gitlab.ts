// GitLab CI rules over .gitlab-ci.yml and the files it includes locally. A template (a hidden
// `.job`) or the `default:` section is where an inherited setting is written, so it is reported
// there, once, and not at each job extending it.
import { isMap, type Node, type YAMLMap } from 'yaml';
import { asMap, entries, items, sourceOf, str, text, valueOf, type YamlFile } from '../yaml-doc.js';
import { Emitter, imageDynamic, imagePinned } from './emit.js';
import { isSecretName, scanShell } from './shell.js';
import type { Finding } from '../model.js';

/** Top-level keywords that are not jobs. */
const GLOBAL_KEYS = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'before_script', 'after_script', 'cache', 'spec']);

/** Literal values of well-known token formats, whatever the variable is called. */
const TOKEN_FORMAT =
  /^(?:AKIA|ASIA)[0-9A-Z]{16}$|^gh[pousr]_[A-Za-z0-9]{30,}$|^github_pat_[A-Za-z0-9_]{40,}$|^glpat-[A-Za-z0-9_-]{20,}$|^xox[abprs]-[A-Za-z0-9-]{10,}$|^sk_live_[A-Za-z0-9]{16,}$|^npm_[A-Za-z0-9]{36}$|^AIza[0-9A-Za-z_-]{35}$|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Names of throwaway passwords for service containers started by the job itself. */
const SERVICE_DB_VAR = /^(?:POSTGRES|PG|MYSQL|MARIADB|MONGO(?:_INITDB)?|REDIS|RABBITMQ|MSSQL|SA|MINIO|ELASTIC|KEYCLOAK|CLICKHOUSE)_/;
const PLACEHOLDER =
  /^(?:|postgres|password|passwd|secret|test|testing|example|changeme|root|admin|mysql|dummy|ci|runner|guest|xxx+|\*+|<.*>|\[.*\]|none|null|true|false)$/i;

function imageRef(n: Node | null): Node | null {
  return isMap(n) ? valueOf(n, 'name') : n;
}

class GitlabChecker {
  readonly em: Emitter;
  readonly locals: string[] = [];
  constructor(readonly f: YamlFile) {
    this.em = new Emitter(f);
  }

  image(n: Node | null, where: string): void {
    const v = text(n)?.trim();
    if (!v || imageDynamic(v) || imagePinned(v)) return;
    this.em.node(
      'gitlab-unpinned-image',
      n,
      `${where} ${v} is not pinned by digest: the tag can be replaced`,
      `pin it: ${v.split('@')[0]}@sha256:<digest> (docker buildx imagetools inspect ${v} shows it)`,
    );
  }

  section(m: YAMLMap, where: string): void {
    this.image(imageRef(valueOf(m, 'image')), `the ${where} image`);
    for (const s of items(valueOf(m, 'services'))) this.image(imageRef(s), `the ${where} service`);
    this.variables(valueOf(m, 'variables'));
    for (const k of ['script', 'before_script', 'after_script']) this.scripts(valueOf(m, k));
  }

  scripts(n: Node | null): void {
    const one = (x: Node) => {
      if (Array.isArray((x as { items?: unknown }).items)) {
        items(x).forEach(one);
        return;
      }
      const src = sourceOf(this.f, x);
      if (!src) return;
      for (const h of scanShell(src.text, isSecretName)) this.em.at(h.rule, src.offset + h.offset, h.message, h.fix);
    };
    if (n) one(n);
  }

  variables(n: Node | null): void {
    for (const { key, pair } of entries(asMap(n))) {
      const raw = isMap(pair.value) ? valueOf(pair.value, 'value') : pair.value;
      const v = str(raw);
      if (v === null) continue;
      const value = v.trim();
      const ref = /\$/.test(value);
      if (!ref && TOKEN_FORMAT.test(value)) {
        this.em.node(
          'gitlab-plaintext-secret',
          raw,
          `${key} holds a credential in plain text in the pipeline file (readable by anyone who can read the repository)`,
          `revoke it, then store it as a masked, protected CI/CD variable (Settings > CI/CD > Variables) and refer to it as $${key}`,
        );
        continue;
      }
      if (!ref && isSecretName(key) && !SERVICE_DB_VAR.test(key) && !PLACEHOLDER.test(value) && value.length >= 6 && !/\s/.test(value)) {
        this.em.node(
          'gitlab-plaintext-secret',
          raw,
          `${key} is written in plain text in the pipeline file`,
          `store it as a masked, protected CI/CD variable (Settings > CI/CD > Variables) and remove it from the file`,
        );
        continue;
      }
      if (ref && (key === 'AWS_ACCESS_KEY_ID' || /^(?:GOOGLE_CREDENTIALS|GCP_SA_KEY|GCLOUD_SERVICE_KEY|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET)$/.test(key))) {
        this.em.node(
          'long-lived-credentials',
          pair.key as Node,
          `${key} passes a long-lived cloud key to the jobs`,
          'use id_tokens: with your cloud provider (AWS assume-role-with-web-identity, GCP workload identity federation, Azure federated credentials)',
        );
      }
    }
  }

  include(n: Node | null): void {
    const one = (x: Node) => {
      const s = str(x);
      if (s !== null) {
        if (/^https?:\/\//i.test(s.trim())) {
          this.em.node(
            'gitlab-remote-include',
            x,
            `the remote include ${s.trim()} is fetched at every pipeline with no integrity check`,
            'use the include: - remote: URL form with integrity: sha256-<base64 hash>, or vendor the file',
          );
        } else this.locals.push(s.trim());
        return;
      }
      const m = asMap(x);
      if (!m) return;
      const remote = valueOf(m, 'remote');
      if (remote && !str(valueOf(m, 'integrity'))?.trim()) {
        this.em.node(
          'gitlab-remote-include',
          remote,
          `the remote include ${str(remote) ?? ''} has no integrity: hash, so whoever controls that URL controls this pipeline`,
          "add integrity: sha256-<base64 of the file's SHA-256> (openssl dgst -sha256 -binary FILE | openssl base64 -A)",
        );
      }
      const local = str(valueOf(m, 'local'));
      if (local) this.locals.push(local.trim());
    };
    if (str(n) !== null || isMap(n)) one(n!);
    for (const i of items(n)) one(i);
  }
}

/** Checks one GitLab CI file; `locals` are the files it includes from the same repository. */
export function checkGitlab(f: YamlFile): { findings: Finding[]; locals: string[] } {
  const c = new GitlabChecker(f);
  const root = asMap(f.root);
  if (!root) return { findings: [], locals: [] };
  c.include(valueOf(root, 'include'));
  c.section(root, 'default');
  const def = asMap(valueOf(root, 'default'));
  if (def) c.section(def, 'default');
  for (const { key, pair } of entries(root)) {
    if (GLOBAL_KEYS.has(key)) continue;
    const job = asMap(pair.value);
    if (!job) continue;
    c.section(job, key.startsWith('.') ? `template ${key}` : `job ${key}`);
    // A job's own include-like trigger: child pipelines from a remote file.
    const trigger = asMap(valueOf(job, 'trigger'));
    if (trigger) c.include(valueOf(trigger, 'include'));
  }
  return { findings: c.em.findings, locals: c.locals };
}
