import type { Database } from 'bun:sqlite';

/** A customer's chain-wide figures as central sends them (minor units, epoch ms). */
export interface ChainFigures {
  globalId: string;
  visits: number;
  spend: number;
  stores: string[];
  lastPurchaseAt: number | null;
}

/** Keeps the latest chain-wide figures central sent for a customer (each message is the whole state). */
export function storeChainFigures(sqlite: Database, customerId: string, f: ChainFigures, now: number): void {
  sqlite
    .query(
      `INSERT INTO chain_customers (customer_id, global_id, visits, spend, stores, last_purchase_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (customer_id) DO UPDATE SET global_id = ?2, visits = ?3, spend = ?4, stores = ?5, last_purchase_at = ?6, updated_at = ?7`,
    )
    .run(customerId, f.globalId, f.visits, f.spend, JSON.stringify(f.stores), f.lastPurchaseAt, now);
}

export function chainFiguresOf(sqlite: Database, customerId: string): ChainFigures | null {
  const row = sqlite
    .query<{ global_id: string; visits: number; spend: number; stores: string; last_purchase_at: number | null }, [string]>(
      'SELECT global_id, visits, spend, stores, last_purchase_at FROM chain_customers WHERE customer_id = ?',
    )
    .get(customerId);
  return row ? { globalId: row.global_id, visits: row.visits, spend: row.spend, stores: JSON.parse(row.stores) as string[], lastPurchaseAt: row.last_purchase_at } : null;
}

/** An erased customer keeps no chain figures. */
export function forgetChainFigures(sqlite: Database, customerId: string): void {
  sqlite.query('DELETE FROM chain_customers WHERE customer_id = ?').run(customerId);
}
