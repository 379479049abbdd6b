// The `datalab:` section of ci-intel.yml: where labs live, their default TTL, the PostgreSQL binaries.
import os from 'node:os';
import path from 'node:path';
import { Type, type Static } from 'typebox';
import { configSection, sectionOf, setting, type Config } from '../../core/config.js';

const datalabSchema = Type.Object(
  {
    home: Type.String(
      setting({
        default: '',
        description:
          "Folder of the labs' shared server, the initdb cache and the lab records (default: ci-intel-datalab-<uid> in the temp folder, which the postgres user can reach).",
        env: 'CI_INTEL_DATALAB_HOME',
      }),
    ),
    engine: Type.Union([Type.Literal('auto'), Type.Literal('postgres'), Type.Literal('pglite')], {
      ...setting({
        default: 'auto',
        description:
          "Labs' database engine: postgres (the machine's PostgreSQL server binaries), pglite (in-process PostgreSQL, nothing to install; no snapshots or templates), or auto (postgres when its binaries are found, else pglite).",
        env: 'CI_INTEL_DATALAB_ENGINE',
      }),
    }),
    ttl: Type.String(setting({ default: '1h', description: 'How long a lab lives when `datalab up` is given no --ttl (0 for no limit).' })),
    pgBin: Type.String(
      setting({
        default: '',
        description: 'Folder with initdb, pg_ctl and postgres (default: the newest /usr/lib/postgresql/<major>/bin, else PATH).',
        env: 'CI_INTEL_PG_BIN',
      }),
    ),
  },
  { additionalProperties: false },
);

export const datalabConfigSection = configSection('datalab', datalabSchema);
export type DatalabConfig = Static<typeof datalabSchema>;
export const datalabConfig = (config: Pick<Config, 'pillars'>): DatalabConfig => sectionOf(config, datalabConfigSection);

export const defaultHome = () => path.join(os.tmpdir(), `ci-intel-datalab-${process.getuid?.() ?? 'user'}`);
