import type { CentralTx } from './central-db.ts';
import { lockChainIdentity } from './chain-identity-store.ts';

/** Outbox inserts are made under the chain identity lock, as pushes make theirs: ids then commit in id order. */
export async function lockOutbox(tx: CentralTx, now: number): Promise<void> {
  await lockChainIdentity(tx, now);
}
