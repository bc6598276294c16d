import type { Database } from 'bun:sqlite';
import { rebuildCatalog } from '../catalog/catalog-rebuild.ts';
import { recomputeOwners } from '../db/fact-writer.ts';
import { mergedAliases, rebuildCustomerView } from '../identity/customer-view.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { recomputeAllLifecycle } from '../lifecycle/lifecycle.service.ts';
import { scoreRfm } from '../lifecycle/rfm.ts';
import { rebuildPoints } from '../loyalty/loyalty.service.ts';
import { rebuildDerived } from '../stats/customer-stats.service.ts';
import { refreshStoreItemStats } from '../scoring/serving/store-item-stats.ts';

/**
 * `cli rebuild`: every derived table recomputed from facts in one transaction — first the customer view
 * (customers and their live identifiers, from the customer events in change-log order) and who owns each
 * fact after merges, then customer stats and months, point balances, lifecycle rows (with RFM), the
 * catalog and the ranker's item context. Stage history and shown actions stay.
 */
export function rebuildEverything(deps: { sqlite: Database; lifecycle: LifecycleRules }, now: number) {
  const t0 = performance.now();
  return deps.sqlite.transaction(() => {
    rebuildCustomerView(deps.sqlite);
    recomputeOwners(deps.sqlite, mergedAliases(deps.sqlite));
    const { customers } = rebuildDerived(deps.sqlite);
    rebuildPoints(deps.sqlite);
    const lifecycle = recomputeAllLifecycle(deps.sqlite, deps.lifecycle, now);
    scoreRfm(deps.sqlite, now);
    rebuildCatalog(deps.sqlite);
    refreshStoreItemStats(deps.sqlite, now);
    return { customers, lifecycle, ms: Math.round(performance.now() - t0) };
  })();
}
