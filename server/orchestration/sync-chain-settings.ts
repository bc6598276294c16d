import type { ChainSettingsVersion } from '../../sync/protocol.ts';
import { readChainConfigFile, writeChainConfigFile } from '../kernel/chain-config-file.ts';

/** The chain settings version this store received last (DATA_DIR/chain-config.json); 0 when none. */
export function receivedChainSettingsVersion(dataDir: string): number {
  return readChainConfigFile(dataDir).file?.version ?? 0;
}

/**
 * Keeps chain settings central sent, whole, for the next start of the store's processes (config is read once,
 * at start: no hot reload). Only a newer version replaces the one received: an item pulled again after a crash,
 * or an older version queued behind a newer one, changes nothing. The file is written before the pull cursor
 * passes the item (in the caller's transaction), so a crash in between brings the item again, harmlessly.
 */
export function receiveChainSettings(dataDir: string, sent: ChainSettingsVersion, now: number): boolean {
  if (sent.version <= receivedChainSettingsVersion(dataDir)) return false;
  writeChainConfigFile(dataDir, { version: sent.version, settings: sent.settings, updated_at: sent.updated_at, received_at: now });
  return true;
}
