import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { InputError } from '../kernel/errors.ts';

/*
 * One ONNX model (our tree-ensemble exports: one float32 input [N, F], one output [N, 1]) loaded from a file.
 * Reusable by serving: load once, run batches, close on hot swap. Margins come back raw; callers apply the link
 * the model card names (see `applyLink`).
 */

export type Link = 'identity' | 'logistic' | 'exp';

export interface OnnxModel {
  readonly path: string;
  readonly numFeatures: number;
  /** Row-major float32 rows of `numFeatures` each (NaN = missing); returns one output per row. */
  run(rows: Float32Array, count: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** A model card or manifest; a file that is not JSON is a bad model directory (422), not a crash. */
export function readModelJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new InputError('invalid', `${path} is not readable JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Loads an ONNX model expecting `numFeatures` inputs; nothing stays open when it does not fit. */
export async function loadOnnxModelWith(path: string, numFeatures: number): Promise<OnnxModel> {
  const model = await loadOnnxModel(path);
  if (model.numFeatures !== numFeatures) {
    await model.close();
    throw new InputError('invalid', `${path} expects ${model.numFeatures} features, not ${numFeatures}`);
  }
  return model;
}

export async function loadOnnxModel(path: string, opts: { threads?: number } = {}): Promise<OnnxModel> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: opts.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new InputError('invalid', `cannot load ONNX model ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const inputMeta = session.inputMetadata[0];
  const dims = inputMeta && 'shape' in inputMeta ? inputMeta.shape : [];
  const width = dims[1];
  if (!inputName || !outputName || typeof width !== 'number') {
    throw new InputError('invalid', `ONNX model ${path} must have one float input [N, F] and one output`);
  }
  const numFeatures = width;
  let closed = false;
  return {
    path,
    numFeatures,
    async run(rows, count) {
      if (closed) throw new InputError('failed', `ONNX model ${path} is closed`);
      if (rows.length !== count * numFeatures) {
        throw new InputError('failed', `ONNX input has ${rows.length} values, expected ${count} × ${numFeatures}`);
      }
      if (count === 0) return new Float32Array(0);
      const out = await session.run({ [inputName]: new ort.Tensor('float32', rows, [count, numFeatures]) });
      const tensor = out[outputName];
      if (!tensor) throw new InputError('failed', `ONNX model ${path} returned no ${outputName}`);
      return Float32Array.from(tensor.data as Float32Array);
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}

export function applyLink(link: Link, margin: number): number {
  if (link === 'logistic') return 1 / (1 + Math.exp(-margin));
  if (link === 'exp') return Math.exp(margin);
  return margin;
}
