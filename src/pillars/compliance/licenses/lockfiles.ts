// Dependencies and their declared licences from lockfiles and SBOMs. Where a lockfile records no
// licence (pnpm, yarn, poetry, uv, Cargo, go.sum), the licence is read from what is installed
// locally — node_modules, a virtualenv's site-packages, the cargo registry cache, the Go module
// cache — and left unknown otherwise: nothing is fetched.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from './toml-lite.js';

export interface Dependency {
  name: string;
  version: string;
  /** The declared licence expression; null: declares none; undefined: not knowable offline. */
  license: string | null | undefined;
  /** The line the dependency is written on. */
  line: number;
  /** The line of its licence, where the file records one. */
  licenseLine?: number;
}

/** Offsets of every line start, for many lookups in one file. */
class Lines {
  private starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  at(off: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

const licenseString = (v: unknown): string | null => {
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string') return (v as { type: string }).type;
  if (Array.isArray(v) && v.length) {
    const parts = v.map(licenseString).filter((x): x is string => Boolean(x));
    return parts.length ? (parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`) : null;
  }
  return null;
};

/** npm package-lock.json / npm-shrinkwrap.json v2 and v3 (`packages` with `license`). */
export function npmLock(text: string): Dependency[] {
  const doc = JSON.parse(text) as { lockfileVersion?: number; packages?: Record<string, Record<string, unknown>> };
  if (!doc.packages) return []; // v1 records no licences
  const lines = new Lines(text);
  const out: Dependency[] = [];
  let cursor = text.indexOf('"packages"');
  for (const [key, p] of Object.entries(doc.packages)) {
    const keyOff = text.indexOf(JSON.stringify(key) + ':', cursor);
    if (keyOff >= 0) cursor = keyOff;
    if (key === '' || p.link === true || !key.includes('node_modules/')) continue;
    const name = (p.name as string | undefined) ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const license = licenseString(p.license);
    let licenseLine: number | undefined;
    if (license && keyOff >= 0) {
      const end = text.indexOf('\n    }', keyOff);
      const lo = text.indexOf('"license"', keyOff);
      if (lo >= 0 && (end < 0 || lo < end)) licenseLine = lines.at(lo);
    }
    out.push({ name, version: String(p.version ?? ''), license, line: keyOff >= 0 ? lines.at(keyOff) : 1, licenseLine });
  }
  return out;
}

interface CdxComponent {
  name?: string;
  version?: string;
  group?: string;
  licenses?: { license?: { id?: string; name?: string }; expression?: string }[];
  components?: CdxComponent[];
}

/** CycloneDX JSON (1.2–1.6). */
export function cyclonedx(text: string): Dependency[] {
  const doc = JSON.parse(text) as { components?: CdxComponent[] };
  const lines = new Lines(text);
  const out: Dependency[] = [];
  let cursor = text.indexOf('"components"');
  const walk = (cs: CdxComponent[] | undefined) => {
    for (const c of cs ?? []) {
      const name = c.group ? `${c.group}/${c.name}` : (c.name ?? '?');
      const off = text.indexOf(`"name"`, cursor) >= 0 ? findKeyValue(text, 'name', c.name ?? '', cursor) : -1;
      if (off >= 0) cursor = off + 1;
      const ls = c.licenses ?? [];
      const exprs = ls.map((l) => l.expression ?? l.license?.id ?? l.license?.name).filter((x): x is string => Boolean(x));
      const license = exprs.length ? (exprs.length === 1 ? exprs[0]! : exprs.map((e) => `(${e})`).join(' OR ')) : null;
      let licenseLine: number | undefined;
      if (license && off >= 0) {
        const lo = text.indexOf('"licenses"', off);
        if (lo >= 0) licenseLine = lines.at(lo);
      }
      out.push({ name, version: c.version ?? '', license, line: off >= 0 ? lines.at(off) : 1, licenseLine });
      walk(c.components);
    }
  };
  walk(doc.components);
  return out;
}

function findKeyValue(text: string, key: string, value: string, from: number): number {
  const re = new RegExp(`"${key}"\\s*:\\s*${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'g');
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index : -1;
}

/** SPDX 2.x JSON: licenceConcluded, else licenceDeclared; NOASSERTION and NONE declare nothing. */
export function spdxJson(text: string): Dependency[] {
  const doc = JSON.parse(text) as { packages?: { name?: string; versionInfo?: string; licenseConcluded?: string; licenseDeclared?: string }[] };
  const lines = new Lines(text);
  const out: Dependency[] = [];
  let cursor = text.indexOf('"packages"');
  for (const p of doc.packages ?? []) {
    const off = findKeyValue(text, 'name', p.name ?? '', cursor);
    if (off >= 0) cursor = off + 1;
    const pick = [p.licenseConcluded, p.licenseDeclared].find((l) => l && l !== 'NOASSERTION' && l !== 'NONE');
    let licenseLine: number | undefined;
    if (pick && off >= 0) {
      const key = pick === p.licenseConcluded ? '"licenseConcluded"' : '"licenseDeclared"';
      const lo = text.indexOf(key, off);
      if (lo >= 0) licenseLine = lines.at(lo);
    }
    out.push({ name: p.name ?? '?', version: p.versionInfo ?? '', license: pick ?? null, line: off >= 0 ? lines.at(off) : 1, licenseLine });
  }
  return out;
}

/** Lines of `key = "value"` blocks in TOML lockfiles ([[package]] tables). */
const tomlPackages = (text: string) => parseToml(text).packages;

/** pnpm-lock.yaml (v6–v9): `/name@version:` or `name@version:` keys under packages:. */
function pnpmPackages(text: string): { name: string; version: string; line: number }[] {
  const out: { name: string; version: string; line: number }[] = [];
  const lines = text.split('\n');
  let inPackages = false;
  lines.forEach((l, i) => {
    if (/^\S/.test(l)) inPackages = /^packages:\s*$/.test(l);
    if (!inPackages) return;
    const m = /^ {2}'?\/?((?:@[^/@\s]+\/)?[^@\s/']+)[@/]([^(:'\s]+)/.exec(l);
    if (m) out.push({ name: m[1]!, version: m[2]!, line: i + 1 });
  });
  return out;
}

/** yarn.lock (classic and berry): `"name@range", name@range:` headers. */
function yarnPackages(text: string): { name: string; version: string; line: number }[] {
  const out: { name: string; version: string; line: number }[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const m = /^"?((?:@[^/@\s"]+\/)?[^@\s"]+)@[^:]*:\s*$/.exec(l);
    if (!m) return;
    const v = /^\s+version:?\s+"?([^"\s]+)"?/.exec(lines[i + 1] ?? '');
    out.push({ name: m[1]!, version: v?.[1] ?? '', line: i + 1 });
  });
  return out;
}

/** go.sum: one module version (its go.mod-only lines skipped). */
function goSum(text: string): { name: string; version: string; line: number }[] {
  const out: { name: string; version: string; line: number }[] = [];
  text.split('\n').forEach((l, i) => {
    const m = /^(\S+)\s+(v[^\s/]+)\s+h1:/.exec(l);
    if (m) out.push({ name: m[1]!, version: m[2]!, line: i + 1 });
  });
  return out;
}

/** The licence an installed npm package declares (node_modules beside the lockfile). */
function nodeModulesLicense(dir: string, name: string): string | null | undefined {
  const f = path.join(dir, 'node_modules', name, 'package.json');
  if (!existsSync(f)) return undefined;
  try {
    const p = JSON.parse(readFileSync(f, 'utf8')) as { license?: unknown; licenses?: unknown };
    return licenseString(p.license) ?? licenseString(p.licenses);
  } catch {
    return undefined;
  }
}

/** Python: License-Expression, License, or the licence classifiers of an installed distribution. */
function sitePackagesLicense(dir: string, name: string, version: string): string | null | undefined {
  for (const venv of ['.venv', 'venv']) {
    const lib = path.join(dir, venv, 'lib');
    if (!existsSync(lib)) continue;
    for (const py of readdirSync(lib)) {
      const sp = path.join(lib, py, 'site-packages');
      const norm = name.toLowerCase().replace(/[-_.]+/g, '_');
      let entries: string[] = [];
      try {
        entries = readdirSync(sp);
      } catch {
        continue;
      }
      const di = entries.find(
        (e) =>
          e.endsWith('.dist-info') &&
          e
            .toLowerCase()
            .replace(/[-_.]+/g, '_')
            .startsWith(`${norm}_${version.replace(/[-_.]+/g, '_')}`),
      );
      if (!di) continue;
      const meta = readFileSync(path.join(sp, di, 'METADATA'), 'utf8').split('\n\n')[0] ?? '';
      const expr = /^License-Expression:\s*(.+)$/m.exec(meta)?.[1];
      if (expr) return expr.trim();
      const lic = /^License:\s*(.+)$/m.exec(meta)?.[1];
      if (lic && lic.trim() && lic.trim().length < 60) return lic.trim();
      const cls = [...meta.matchAll(/^Classifier:\s*License :: OSI Approved :: (.+)$/gm)].map((m) => CLASSIFIER[m[1]!.trim()]).filter(Boolean);
      return cls.length ? cls.join(' OR ') : null;
    }
  }
  return undefined;
}

const CLASSIFIER: Record<string, string> = {
  'MIT License': 'MIT',
  'Apache Software License': 'Apache-2.0',
  'BSD License': 'BSD-3-Clause',
  'ISC License (ISCL)': 'ISC',
  'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'GNU Affero General Public License v3': 'AGPL-3.0-only',
  'Python Software Foundation License': 'PSF-2.0',
};

/** Cargo: the license field of the crate in the local registry cache. */
function cargoLicense(env: NodeJS.ProcessEnv, name: string, version: string): string | null | undefined {
  const src = path.join(env.CARGO_HOME ?? path.join(os.homedir(), '.cargo'), 'registry', 'src');
  if (!existsSync(src)) return undefined;
  for (const idx of readdirSync(src)) {
    const toml = path.join(src, idx, `${name}-${version}`, 'Cargo.toml');
    if (!existsSync(toml)) continue;
    const text = readFileSync(toml, 'utf8');
    const m = /^license\s*=\s*"([^"]*)"/m.exec(text);
    return m ? m[1]!.replace(/\//g, ' OR ') : null;
  }
  return undefined;
}

/** Go: the LICENSE file of the module in the module cache, recognised by its text. */
function goLicense(env: NodeJS.ProcessEnv, mod: string, version: string): string | null | undefined {
  const cache = env.GOMODCACHE ?? path.join(env.GOPATH ?? path.join(os.homedir(), 'go'), 'pkg', 'mod');
  const escaped = mod.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
  const dir = path.join(cache, `${escaped}@${version.replace(/\/go\.mod$/, '')}`);
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).find((f) => /^(?:LICEN[CS]E|COPYING)(?:\.(?:md|txt))?$/i.test(f));
  if (!file) return null;
  return recognise(readFileSync(path.join(dir, file), 'utf8'));
}

/** The licence of a LICENSE file's text, for the common ones; undefined when not recognised. */
export function recognise(text: string): string | undefined {
  const t = text.replace(/\s+/g, ' ');
  if (/Apache License,? Version 2\.0/i.test(t)) return 'Apache-2.0';
  if (/Permission is hereby granted, free of charge/i.test(t)) return 'MIT';
  if (/Mozilla Public License,? (?:version|v\.?) 2\.0/i.test(t)) return 'MPL-2.0';
  if (/GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3/i.test(t)) return 'AGPL-3.0-only';
  if (/GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3/i.test(t)) return 'LGPL-3.0-only';
  if (/GNU GENERAL PUBLIC LICENSE\s+Version 3/i.test(t)) return 'GPL-3.0-only';
  if (/GNU GENERAL PUBLIC LICENSE\s+Version 2/i.test(t)) return 'GPL-2.0-only';
  if (/Permission to use, copy, modify, and\/or distribute this software/i.test(t)) return 'ISC';
  if (/Redistribution and use in source and binary forms/i.test(t)) return /Neither the name|endorse or promote/i.test(t) ? 'BSD-3-Clause' : 'BSD-2-Clause';
  return undefined;
}

/** The dependencies of a lockfile or SBOM by its name; [] for a file of no known kind. */
export function readDependencies(rel: string, text: string, root: string, env: NodeJS.ProcessEnv): Dependency[] {
  const base = path.posix.basename(rel);
  const dir = path.join(root, path.posix.dirname(rel));
  if (base === 'package-lock.json' || base === 'npm-shrinkwrap.json') return npmLock(text);
  if (/\.json$/.test(base)) {
    const head = text.slice(0, 4096);
    if (/"bomFormat"\s*:\s*"CycloneDX"/.test(head) || /"bomFormat"/.test(text)) return cyclonedx(text);
    if (/"spdxVersion"/.test(text)) return spdxJson(text);
    return [];
  }
  if (base === 'pnpm-lock.yaml') return pnpmPackages(text).map((p) => ({ ...p, license: nodeModulesLicense(dir, p.name) }));
  if (base === 'yarn.lock') return yarnPackages(text).map((p) => ({ ...p, license: nodeModulesLicense(dir, p.name) }));
  if (base === 'poetry.lock' || base === 'uv.lock') return tomlPackages(text).map((p) => ({ ...p, license: sitePackagesLicense(dir, p.name, p.version) }));
  if (base === 'Cargo.lock')
    return tomlPackages(text)
      .filter((p) => p.source) // workspace crates have no source
      .map((p) => ({ ...p, license: cargoLicense(env, p.name, p.version) }));
  if (base === 'go.sum') return goSum(text).map((p) => ({ ...p, license: goLicense(env, p.name, p.version) }));
  return [];
}
