import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastSeq } from '../../server/db/change-log.ts';
import { seedDemoStore } from '../../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../../server/orchestration/apply-transaction.ts';
import { outboundBatch } from '../../server/orchestration/sync-outbox.ts';
import { identifierDigest } from '../../sync/identifier-digest.ts';
import { pushBatchSchema } from '../../sync/protocol.ts';
import { createTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

const SECRET = 'chain-secret-for-tests-0123456789';
let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
  seedDemoStore(ingestDepsFrom(t.deps), { customers: 150, months: 4, seed: 3, now: t.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
});
afterEach(() => t.close());

describe("a store's outgoing sync batches", () => {
  it('carry every fact of the change log once, in order, in the wire format, with no identifier in clear', () => {
    const phones = t.deps.sqlite.query<{ value: string }, []>("SELECT value FROM identity_links WHERE kind = 'phone'").all().map((r) => r.value);
    expect(phones.length).toBeGreaterThan(50);
    const policy = { chainSecret: SECRET, piiTransfer: false };
    const kinds = new Map<string, number>();
    const digests = new Set<unknown>();
    let after = 0;
    for (;;) {
      const batch = outboundBatch(t.deps.sqlite, { storeId: 'S001', after, limit: 500, policy, hlc: '000000000001000-0000-S001', now: t.clock() });
      if (batch.changes.length === 0) break;
      // The batch is what central will validate: numbered right after the cursor, every fact in its schema.
      const parsed = pushBatchSchema.safeParse(JSON.parse(JSON.stringify(batch)));
      expect(parsed.success, parsed.error?.message).toBe(true);
      const text = JSON.stringify(batch);
      for (const p of phones) expect(text).not.toContain(p);
      for (const c of batch.changes) {
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        if (c.kind === 'event' && c.fact.kind === 'identifier_linked') digests.add(c.fact.data.digest);
      }
      after = batch.changes.at(-1)!.seq;
    }
    expect(after).toBe(lastSeq(t.deps.sqlite));
    expect([...kinds.keys()].sort()).toEqual(['event', 'ledger', 'transaction']);
    expect(digests.has(identifierDigest(SECRET, 'phone', phones[0]!))).toBe(true);
  });
});
