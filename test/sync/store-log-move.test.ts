import { afterEach, describe, expect, it } from 'vitest';
import { lastRestoredGap, lastSeq, readChanges } from '../../server/db/change-log.ts';
import { moveLogPast } from '../../server/db/fact-writer.ts';
import { createTestAppliance, sale, type TestAppliance } from '../support/test-appliance.ts';

/*
 * The store's change log moved past central's cursor after a restore (fact-writer's moveLogPast), on a real
 * store database built from the migrations: the facts after the backup's last number follow central's cursor in
 * their order, new facts follow them, the marker row is never shipped, and a second move of the same restore
 * does nothing.
 */

let t: TestAppliance | undefined;
afterEach(() => t?.close());

const post = async (app: TestAppliance) => expect((await app.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale() })).status).toBe(201);

describe('moving the change log past central after a restore', () => {
  it('renumbers the facts written since the backup to follow central, once', async () => {
    t = createTestAppliance();
    await post(t);
    const backupLast = lastSeq(t.deps.sqlite);
    await post(t);
    await post(t);
    const before = readChanges(t.deps.sqlite, 0, 1000);
    const since = before.filter((c) => c.seq > backupLast);
    const central = backupLast + 100;

    const gap = moveLogPast(t.deps.sqlite, backupLast, central, 1_000);
    expect(gap).toEqual({ central_cursor: central, store_last_seq: backupLast, moved: since.length, at: 1_000 });
    const after = readChanges(t.deps.sqlite, 0, 1000);
    // Same facts, same order; those up to the backup keep their numbers, the rest follow central's cursor.
    expect(after.map((c) => c.fact)).toEqual(before.map((c) => c.fact));
    expect(after.filter((c) => c.seq <= backupLast).map((c) => c.seq)).toEqual(before.filter((c) => c.seq <= backupLast).map((c) => c.seq));
    expect(after.filter((c) => c.seq > backupLast).map((c) => c.seq)).toEqual(since.map((c) => c.seq + 100));
    expect(lastRestoredGap(t.deps.sqlite)).toEqual(gap);

    // The same restore settled twice (sync --once beside the background sync) moves nothing more.
    expect(moveLogPast(t.deps.sqlite, backupLast, central, 2_000)).toBeNull();
    await post(t);
    const next = readChanges(t.deps.sqlite, central + since.length, 1000);
    expect(next.length).toBeGreaterThan(0);
    expect(next[0]!.seq).toBe(central + since.length + 1);
  });

  it('without a record of the restore, moves only the numbering of new facts past central', async () => {
    t = createTestAppliance();
    await post(t);
    const last = lastSeq(t.deps.sqlite);
    expect(moveLogPast(t.deps.sqlite, null, last, 1)).toBeNull(); // central not ahead: nothing
    expect(moveLogPast(t.deps.sqlite, null, last + 7, 1)).toMatchObject({ central_cursor: last + 7, store_last_seq: last, moved: 0 });
    expect(readChanges(t.deps.sqlite, last, 1000)).toEqual([]);
    await post(t);
    expect(readChanges(t.deps.sqlite, last, 1000)[0]!.seq).toBe(last + 8);
  });
});
