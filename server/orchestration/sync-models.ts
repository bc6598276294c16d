import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelVersion } from '../../sync/protocol.ts';
import { PARTIAL_SUFFIX, ROLLED_BACK_SUFFIX } from '../scoring/serving/model-registry.ts';
import { SyncError } from './sync-central-client.ts';
import { isProcessRunning } from '../kernel/process-running.ts';

/*
 * A model set central published, installed on the store: every file downloaded into
 * DATA_DIR/models/<version>.<pid>.tmp, its size and sha256 checked against the pull item, fsynced, and only then
 * the directory renamed to <version>, where the model registry finds it (newest name serves). A failure leaves
 * nothing but the removed partial directory: the served set never changes to a set that was not checked.
 */

export type Install = 'installed' | 'present' | 'rolled-back';

/** A file of the version, as central streams it (a SyncError when central refuses). */
export type ModelDownload = (version: string, file: string) => Promise<Response>;

/** Partial directories of this version left by a process that died mid-download. */
function removeAbandoned(modelsDir: string, version: string): void {
  for (const name of readdirSync(modelsDir)) {
    const m = /^(.*)\.(\d+)\.tmp$/.exec(name);
    if (m?.[1] === version && !isProcessRunning(Number(m[2]))) rmSync(join(modelsDir, name), { recursive: true, force: true });
  }
}

async function downloadFile(download: ModelDownload, version: string, file: ModelVersion['files'][number], path: string): Promise<void> {
  const res = await download(version, file.name);
  if (!res.body) throw new SyncError(`model ${version}: central sent no body for ${file.name}`);
  const hash = createHash('sha256');
  const out = await open(path, 'wx');
  let bytes = 0;
  try {
    for await (const chunk of res.body) {
      bytes += chunk.byteLength;
      // Never more than central listed: a wrong or endless answer stops here, not when the disk is full.
      if (bytes > file.bytes) break;
      hash.update(chunk);
      await out.write(chunk);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  const sha = hash.digest('hex');
  if (bytes !== file.bytes) throw new SyncError(`model ${version}: ${file.name} came with ${bytes > file.bytes ? `more than ${file.bytes}` : bytes} bytes, central listed ${file.bytes}; not installed`);
  if (sha !== file.sha256) throw new SyncError(`model ${version}: ${file.name} has sha256 ${sha}, central listed ${file.sha256}; not installed`);
}

/**
 * Installs `model` under `modelsDir` unless it is there already, or was rolled back (`cli models rollback`:
 * a set taken out of service stays out). Throws a SyncError when a file cannot be had or does not check out.
 */
export async function installModelVersion(modelsDir: string, model: ModelVersion, download: ModelDownload): Promise<Install> {
  const final = join(modelsDir, model.version);
  if (existsSync(final)) return 'present';
  if (existsSync(`${final}${ROLLED_BACK_SUFFIX}`)) return 'rolled-back';
  mkdirSync(modelsDir, { recursive: true });
  removeAbandoned(modelsDir, model.version);
  // Per process: the server's background sync and `cli sync --once` may fetch the same version at once.
  const partial = `${final}.${process.pid}${PARTIAL_SUFFIX}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial);
  try {
    for (const file of model.files) await downloadFile(download, model.version, file, join(partial, file.name));
    try {
      renameSync(partial, final);
    } catch (error) {
      // The other process renamed its (equally checked) copy first.
      if (existsSync(final)) return 'present';
      throw error;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return 'installed';
}
