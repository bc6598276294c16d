import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { InputError } from '../kernel/errors.ts';

/*
 * Training runs Debian's Python (python3-xgboost, -sklearn, -onnx, -scipy), not the first python3 on PATH.
 * Scripts live in models/; data goes through files, only small JSON comes back on stdout.
 */
export const TRAINING_PYTHON = '/usr/bin/python3';
export const MODELS_SCRIPTS_DIR = join(import.meta.dirname, '..', '..', 'models');

export function runTrainingScript(script: string, args: string[]): string {
  const res = spawnSync(TRAINING_PYTHON, [join(MODELS_SCRIPTS_DIR, script), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw new InputError('failed', `cannot run ${TRAINING_PYTHON} ${script}: ${res.error.message}`);
  if (res.status !== 0) {
    throw new InputError('failed', `${script} failed (exit ${res.status}): ${res.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  return res.stdout;
}
