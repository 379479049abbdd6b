// docs/configuration.md, written from the schemas themselves (core and every pillar section), so
// the page lists each setting, its type, default and environment variables exactly as the loader
// reads them. `node scripts/config-docs.mjs` rewrites it; test/config-docs.test.ts checks it is current.
import type { TSchema } from 'typebox';
import { coreConfigSchema, type ConfigSection } from './config.js';

type Schema = Record<string, unknown>;

function typeOf(s: Schema): string {
  if (Array.isArray(s.anyOf)) {
    const parts = (s.anyOf as Schema[]).map((x) => (x.const !== undefined ? JSON.stringify(x.const) : typeOf(x)));
    return [...new Set(parts)].join(' | ');
  }
  if (s.type === 'array') return `list of ${typeOf((s.items as Schema | undefined) ?? {})}`;
  if (s.type === 'object' && s.patternProperties) return `map of ${typeOf(Object.values(s.patternProperties as Record<string, Schema>)[0] ?? {})}`;
  if (s.type === 'integer' && s.minimum !== undefined && s.maximum !== undefined) return `integer ${String(s.minimum)}..${String(s.maximum)}`;
  return String(s.type ?? 'any');
}

const cell = (v: string) => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultOf(s: Schema): string {
  if (s.default === undefined) return '';
  const text = JSON.stringify(s.default);
  return text.length > 80 ? 'see below' : `\`${cell(text)}\``;
}

function rows(schema: Schema, prefix: string, out: string[], long: Array<[string, unknown]>): void {
  for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const p = prefix ? `${prefix}.${key}` : key;
    if (sub.type === 'object' && sub.properties) {
      rows(sub, p, out, long);
      continue;
    }
    const env =
      sub.env === undefined
        ? ''
        : ([] as string[])
            .concat(sub.env as string | string[])
            .map((e) => `\`${e}\``)
            .join(', ');
    const def = defaultOf(sub);
    if (def === 'see below') long.push([p, sub.default]);
    out.push(`| \`${p}\` | ${cell(typeOf(sub))} | ${def} | ${env} | ${cell(String(sub.description ?? ''))} |`);
  }
}

function table(title: string, intro: string, schema: TSchema, prefix: string): string {
  const out: string[] = [];
  const long: Array<[string, unknown]> = [];
  rows(schema as unknown as Schema, prefix, out, long);
  const defaults = long.map(([p, v]) => `Default of \`${p}\`:\n\n\`\`\`json\n${JSON.stringify(v, null, 2)}\n\`\`\``).join('\n\n');
  return [`## ${title}`, '', intro, '', '| setting | type | default | environment | what it does |', '|---|---|---|---|---|', ...out, '', defaults]
    .join('\n')
    .trimEnd();
}

export function renderConfigDocs(sections: ConfigSection[]): string {
  const head = [
    '# Configuration',
    '',
    "<!-- Written by `node scripts/config-docs.mjs` from the schemas in src/core/config.ts and the pillars' config",
    '     sections; test/config-docs.test.ts fails when it is out of date. Do not edit by hand. -->',
    '',
    'Every setting comes from, lowest first: its default, `ci-intel.yml` (in the working folder, or the',
    'file `--config` or `CI_INTEL_CONFIG` names), its environment variable, and a command-line flag. The',
    "whole configuration is checked at start; an error names the file and the setting's place in it.",
    'Keys are camelCase; the older snake_case spelling of a key (`flake_budgets`) is still read, with a',
    'warning naming the new one. An empty environment variable counts as unset; lists in the environment',
    'are comma-separated.',
  ].join('\n');
  const parts = [head, table('Core', 'Top-level keys of `ci-intel.yml`.', coreConfigSchema, '')];
  for (const s of [...sections].sort((a, b) => a.key.localeCompare(b.key))) {
    parts.push(table(`\`${s.key}:\``, `The \`${s.key}:\` section of \`ci-intel.yml\`.`, s.schema, s.key));
  }
  return parts.join('\n\n') + '\n';
}
