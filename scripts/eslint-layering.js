// ESLint rule `ci-intel/layering` (eslint.config.js): the layers of DESIGN.md "Layout", checked on every relative import.
//   src/core/**        imports only src/core/**
//   src/pillars/<p>/** imports src/core/** and src/pillars/<p>/** (never src/cli, src/server, src/web or another pillar)
//   src/pillars/index.ts (the registry) may import every pillar
// Tests beside the code (*.test.ts) follow the same layers; a test that needs the assembled hub or
// CLI reaches it through test/support/assembled.ts, outside the layers.
import path from 'node:path';

const layerOf = (file) => {
  const rel = path.relative(process.cwd(), file).split(path.sep).join('/');
  if (!rel.startsWith('src/')) return null;
  if (rel.startsWith('src/core/')) return { layer: 'core', rel };
  const m = /^src\/pillars\/([^/]+)\//.exec(rel);
  if (m) return { layer: `pillar:${m[1]}`, rel };
  return { layer: rel.split('/')[1], rel };
};

export default {
  meta: {
    type: 'problem',
    docs: { description: 'core imports only core; a pillar imports only core and itself' },
    messages: {
      core: '{{from}} is in src/core/ and imports {{to}}: core imports only core (move what it needs into core, or pass it in)',
      pillar:
        '{{from}} is in pillar "{{pillar}}" and imports {{to}}: a pillar imports only src/core/ and its own folder (shared code belongs in core; other pillars\' data through the domain tables)',
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (!from || from.rel === 'src/pillars/index.ts') return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = layerOf(path.resolve(path.dirname(file), spec));
      if (!to) return;
      if (from.layer === 'core' && to.layer !== 'core') context.report({ node, messageId: 'core', data: { from: from.rel, to: to.rel } });
      if (from.layer.startsWith('pillar:') && to.layer !== 'core' && to.layer !== from.layer) {
        context.report({ node, messageId: 'pillar', data: { from: from.rel, to: to.rel, pillar: from.layer.slice(7) } });
      }
    };
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n.source, n.source.value),
    };
  },
};
