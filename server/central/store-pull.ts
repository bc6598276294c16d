import { and, asc, eq, gt } from 'drizzle-orm';
import { type PullAnswer, pullItemSchema } from '../../sync/protocol.ts';
import type { CentralDb } from './central-db.ts';
import { storeOutbox } from './schema.ts';

/** What central has for a store after `after` (its outbox id), oldest first, at most `limit`. */
export async function pullForStore(db: CentralDb, storeId: string, after: number, limit: number): Promise<PullAnswer> {
  const rows = await db
    .select({ id: storeOutbox.id, kind: storeOutbox.kind, payload: storeOutbox.payload })
    .from(storeOutbox)
    .where(and(eq(storeOutbox.storeId, storeId), gt(storeOutbox.id, after)))
    .orderBy(asc(storeOutbox.id))
    .limit(limit);
  return { items: rows.map((r) => pullItemSchema.parse(r)), cursor: rows.at(-1)?.id ?? after };
}
