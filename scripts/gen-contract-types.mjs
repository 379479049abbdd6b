// Generates src/core/contract/types.generated.ts from the authoritative JSON Schema.
// `node scripts/gen-contract-types.mjs` rewrites it; `--check` exits 1 when the committed file drifted
// (a test runs the check, so the TypeScript types cannot fall out of lockstep with the schema).
import { readFile, writeFile } from 'node:fs/promises';
import { compile } from 'json-schema-to-typescript';

const here = new URL('../src/core/contract/', import.meta.url);
const schema = JSON.parse(await readFile(new URL('pipeline_run.v1.2.schema.json', here), 'utf8'));
const banner = '/* Generated from pipeline_run.v1.2.schema.json by scripts/gen-contract-types.mjs. Do not edit. */';

export async function generate() {
  const ts = await compile(schema, 'PipelineRunV12', {
    bannerComment: banner,
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    style: { singleQuote: true },
  });
  return ts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = new URL('types.generated.ts', here);
  const ts = await generate();
  if (process.argv.includes('--check')) {
    const current = await readFile(out, 'utf8').catch(() => '');
    if (current !== ts) {
      console.error('types.generated.ts is out of date: run node scripts/gen-contract-types.mjs');
      process.exit(1);
    }
  } else {
    await writeFile(out, ts);
  }
}
