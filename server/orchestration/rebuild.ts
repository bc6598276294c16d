import type { Database } from 'bun:sqlite';
import { rebuildCatalog } from '../catalog/catalog-rebuild.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { recomputeAllLifecycle } from '../lifecycle/lifecycle.service.ts';
import { scoreRfm } from '../lifecycle/rfm.ts';
import { rebuildDerived } from '../stats/customer-stats.service.ts';

/**
 * `cli rebuild`: every derived table recomputed from facts in one transaction — customer stats and
 * months, point balances, lifecycle rows (with RFM) and the catalog. Stage history and actions stay.
 */
export function rebuildEverything(deps: { sqlite: Database; lifecycle: LifecycleRules }, now: number) {
  const t0 = performance.now();
  return deps.sqlite.transaction(() => {
    const { customers } = rebuildDerived(deps.sqlite);
    const lifecycle = recomputeAllLifecycle(deps.sqlite, deps.lifecycle, now);
    scoreRfm(deps.sqlite, now);
    rebuildCatalog(deps.sqlite);
    // The incremental catalog update continues after everything the rebuild has seen.
    deps.sqlite.run("INSERT INTO store_metrics (key, value, computed_at) SELECT 'catalog_rowid', coalesce(max(rowid), 0), 0 FROM transactions WHERE true ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    return { customers, lifecycle, ms: Math.round(performance.now() - t0) };
  })();
}
