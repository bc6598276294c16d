import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';

/*
 * DATA_DIR/chain-config.json: the chain's settings as the store last received them from central, and the record
 * of the version received. It is read once, at the start of a process (config.ts); a newer one waits for the
 * next start. Written whole to a temporary file, fsynced and renamed over the old one: a reader sees the old
 * file or the new one, never half of one.
 */

export const CHAIN_CONFIG_FILE = 'chain-config.json';

const chainConfigFileSchema = z.object({
  version: z.number().int().positive(),
  /** Setting name → value as an environment variable would carry it; checked by the reader, not here. */
  settings: z.record(z.string(), z.unknown()),
  /** When central made this version, and when this store received it (epoch ms). */
  updated_at: z.number().int(),
  received_at: z.number().int(),
});
export type ChainConfigFile = z.infer<typeof chainConfigFileSchema>;

/** The received chain settings; null when none were received. A file that cannot be read counts as none, with why. */
export function readChainConfigFile(dataDir: string): { file: ChainConfigFile | null; problem: string | null } {
  const path = join(dataDir, CHAIN_CONFIG_FILE);
  if (!existsSync(path)) return { file: null, problem: null };
  try {
    return { file: chainConfigFileSchema.parse(JSON.parse(readFileSync(path, 'utf8'))), problem: null };
  } catch (error) {
    return { file: null, problem: `${CHAIN_CONFIG_FILE} unreadable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

/** Replaces the file atomically (temp + fsync + rename + directory fsync), so a crash leaves the old or the new. */
export function writeChainConfigFile(dataDir: string, content: ChainConfigFile): void {
  const path = join(dataDir, CHAIN_CONFIG_FILE);
  // The pid keeps the server's pull and a `cli sync --once` beside it from writing the same temporary file.
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dataDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
