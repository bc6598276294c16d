import { desc, isNull } from 'drizzle-orm';
import type { ChainSettingsVersion } from '../../sync/protocol.ts';
import { chainSettingIssue, isChainSettingKey, loadConfig } from '../kernel/config.ts';
import type { CentralDb, CentralTx } from './central-db.ts';
import { lockOutbox } from './outbox-lock.ts';
import { chainSettings, storeOutbox, stores } from './schema.ts';

/*
 * The chain's settings at central: each change makes a new version of the whole set (chain_settings) and
 * queues it as a 'config' item for every active store, in one transaction under the outbox lock (so two
 * changes made at once get consecutive versions, queued in version order). A store registered later is
 * given the current version with its registration, as it is given the current models.
 */

export interface ChainSettingsAtCentral extends ChainSettingsVersion {
  updated_by: string;
}

/** A change refused: an unknown key, a store's own setting, or a value its environment variable would refuse. */
export class ChainSettingError extends Error {
  override name = 'ChainSettingError';
}

/** The settings in force, or null when none was ever set. */
export async function currentChainSettings(db: CentralDb | CentralTx): Promise<ChainSettingsAtCentral | null> {
  const [row] = await db.select().from(chainSettings).orderBy(desc(chainSettings.version)).limit(1);
  return row ? { version: row.version, settings: row.settings as Record<string, unknown>, updated_at: row.updatedAt, updated_by: row.updatedBy } : null;
}

/**
 * Sets (`value` text) or unsets (`value` null) one setting; answers the version in force afterwards and whether
 * this call made it. Setting a value already in force, or unsetting one not set, makes no version.
 */
export async function changeChainSetting(db: CentralDb, change: { key: string; value: string | null }, by: string, now: number): Promise<{ version: number; changed: boolean }> {
  const { key, value } = change;
  // A value a store would refuse, checked by the store's own schema for its variable. Unsetting is checked below:
  // a key a former release knew may still be in the set, and must be removable.
  const issue = value === null ? null : chainSettingIssue(key, value);
  if (issue !== null) throw new ChainSettingError(`${key}: ${issue}`);
  return db.transaction(async (tx) => {
    await lockOutbox(tx, now);
    const current = await currentChainSettings(tx);
    const settings: Record<string, unknown> = { ...current?.settings };
    if (value === null && !(key in settings)) {
      if (!isChainSettingKey(key)) throw new ChainSettingError(`${key}: ${chainSettingIssue(key, '')}`);
      return { version: current?.version ?? 0, changed: false };
    }
    if (value !== null && settings[key] === value) return { version: current?.version ?? 0, changed: false };
    if (value === null) delete settings[key];
    else settings[key] = value;
    // Rules across settings (a dormant window longer than the active one, …), over the defaults a store starts from.
    // (A key this release does not know, kept from a former one, is left for the stores to ignore.)
    const refused = loadConfig({}, { version: 0, settings }).chainSettings.ignored.filter((r) => isChainSettingKey(r.key));
    if (refused.length > 0) throw new ChainSettingError([...new Set(refused.map((r) => (r.reason.includes(r.key) ? r.reason : `${r.key}: ${r.reason}`)))].join('; '));
    const next: ChainSettingsVersion = { version: (current?.version ?? 0) + 1, settings, updated_at: now };
    await tx.insert(chainSettings).values({ version: next.version, settings, updatedAt: now, updatedBy: by });
    const active = await tx.select({ id: stores.id }).from(stores).where(isNull(stores.revokedAt));
    if (active.length > 0) await tx.insert(storeOutbox).values(active.map((s) => ({ storeId: s.id, kind: 'config', payload: next, createdAt: now })));
    return { version: next.version, changed: true };
  });
}

/** Puts the settings in force in a newly registered store's outbox (inside the registration's transaction). */
export async function enqueueCurrentChainSettings(tx: CentralTx, storeId: string, now: number): Promise<void> {
  await lockOutbox(tx, now);
  const current = await currentChainSettings(tx);
  if (current) await tx.insert(storeOutbox).values({ storeId, kind: 'config', payload: { version: current.version, settings: current.settings, updated_at: current.updated_at }, createdAt: now });
}
