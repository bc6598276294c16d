import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppliance } from '../server/app/appliance.ts';
import { manualClock } from '../server/kernel/clock.ts';
import { testConfig } from '../server/kernel/config.ts';
import { seedDemoStore } from '../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../server/orchestration/apply-transaction.ts';
import { storeHistories } from '../server/scoring/serving/db-history.ts';
import { silentLogger } from '../server/kernel/log.ts';

/*
 * The demo store as an evaluation dataset: seeded through the real ingest path into a fresh SQLite store, and its
 * identified customers' history (as the store's models read it) written as a lines CSV, so it goes through the
 * same `cli train` / `cli predict` as the public datasets. Amounts in minor units / 100; returns as negative lines.
 */

export function writeDemoStoreLines(path: string, opts: { customers: number; months: number; seed: number; now: string }): { customers: number; lines: number } {
  const dir = mkdtempSync(join(tmpdir(), 'eval-demo-store-'));
  const now = Date.parse(opts.now);
  const deps = openAppliance(testConfig({ DATA_DIR: dir }), manualClock(now), silentLogger);
  try {
    seedDemoStore(ingestDepsFrom(deps), { customers: opts.customers, months: opts.months, seed: opts.seed, now, storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
    const histories = storeHistories(deps.sqlite, now);
    const out = ['customer_id,transaction_id,occurred_at,sku,quantity,amount'];
    for (const h of histories.values()) {
      h.baskets.forEach((b, n) => {
        const sign = b.isReturn ? -1 : 1;
        const at = new Date(b.at).toISOString();
        if (b.items.length === 0) out.push(`${h.customerId},${h.customerId}-${n},${at},,${sign},${(b.amountMinor / 100).toFixed(2)}`);
        for (const it of b.items) {
          out.push(`${h.customerId},${h.customerId}-${n},${at},${it.sku},${(sign * Math.abs(it.quantityMilli)) / 1000},${((sign * Math.abs(it.amountMinor ?? 0)) / 100).toFixed(2)}`);
        }
      });
    }
    writeFileSync(path, `${out.join('\n')}\n`);
    return { customers: histories.size, lines: out.length - 1 };
  } finally {
    void deps.models.close();
    deps.sqlite.close();
    deps.walSync.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
