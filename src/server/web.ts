// Serves the dashboard (src/web, bundled to dist/web by scripts/build-web.mjs) at `/`. The page
// state lives in the query string (`/?page=dora&repo=...`), so `/` is the only HTML route; assets
// are read once at start. Public: the page holds no data, the API calls it makes need a token.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** The built dashboard: dist/web next to dist/server, or (running from src under vitest) ../../dist/web. */
export function webRoot(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const c of [path.join(here, '..', 'web'), path.join(here, '..', '..', 'dist', 'web')]) {
    if (existsSync(path.join(c, 'index.html')) && existsSync(path.join(c, 'assets', 'app.js'))) return c;
  }
  return null;
}

const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export function webRoutes(app: FastifyInstance): void {
  const root = webRoot();
  const assets = new Map<string, Buffer>();
  if (root) for (const f of readdirSync(path.join(root, 'assets'))) assets.set(f, readFileSync(path.join(root, 'assets', f)));
  const index = root ? readFileSync(path.join(root, 'index.html')) : null;
  app.get('/', { config: { scope: 'public' } }, async (_req, reply) => {
    if (!index) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built: run `npm run build` (it bundles src/web into dist/web). The API is at /api/v1/openapi.json.\n');
    }
    return reply.header('content-security-policy', CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
  });
  app.get<{ Params: { file: string } }>('/assets/:file', { config: { scope: 'public' } }, async (req, reply) => {
    const { file } = req.params;
    const body = assets.get(file); // a fixed map: no path from the request reaches the file system
    if (!body) return reply.status(404).type('text/plain').send('not found\n');
    return reply
      .header('cache-control', 'no-cache')
      .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
      .send(body);
  });
}
