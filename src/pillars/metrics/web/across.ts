// An org DORA tile's band: the band of the median service (repository × environment) with the spread
// of the services' bands, and how it is computed — never the band of a sum over services.
import { band, h, help, type Child } from '../../../core/web/index.js';

type BandName = 'elite' | 'high' | 'medium' | 'low';

export interface Across {
  median: number | null;
  band: BandName | null;
  spread: Record<BandName, number>;
  services: number;
}

/** `what`: the key in words; `shown`: the median formatted; `pooled`: how the tile's figure is computed. */
export function acrossBand(a: Across | undefined, what: string, shown: string, pooled: string): Child {
  if (!a || !a.services)
    return h('span', {}, band(null), help(`No service has ${what} in this window: send deployments (ci-intel ingest, or the GitHub/GitLab webhooks).`));
  const spread = (['elite', 'high', 'medium', 'low'] as const).filter((b) => a.spread[b] > 0).map((b) => `${a.spread[b]} ${b}`);
  return h(
    'span',
    {},
    band(a.band),
    ` median service · ${spread.join(' · ')}`,
    help(
      `The figure: ${pooled}. The band: each service (repository × environment) is banded on its own ${what}; the tile shows the band of the median service (${shown}, ${a.services} services with data) and how many services are in each band.`,
    ),
  );
}
