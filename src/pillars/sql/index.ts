// Self-service SQL (seed 000 pillar 10, "Self-service SQL + notebooks"): read-only queries over
// documented sql_* views, limited to the caller's teams, from the API, the dashboard and the CLI.
import { definePillar } from '../../core/registry.js';
import { sqlCommands } from './commands.js';
import { sqlConfigSection } from './config.js';
import { sqlRoutes } from './routes.js';
import { migrations } from './tables.js';

export const sqlPillar = definePillar({
  id: 'sql',
  config: sqlConfigSection,
  migrations,
  routes: sqlRoutes,
  pages: [{ id: 'sql', title: 'SQL', order: 95 }],
  commands: (program, ctx) => sqlCommands(program, ctx),
});
