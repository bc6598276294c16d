import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installModelVersion, type ModelDownload } from '../../server/orchestration/sync-models.ts';
import { modelVersionSchema, type ModelVersion } from '../../sync/protocol.ts';

/*
 * A store installing a model set from central, on the real file system, with central's answers as HTTP
 * responses: a download cut off mid-file (a crash, a dropped link) or longer than listed leaves nothing behind
 * and a later attempt installs the set; a partial directory of a process that died is cleared; a set already
 * there, or rolled back, is not downloaded again. (test/sync/model-shipping.test.ts runs it against central.)
 */

const files = { 'a.json': Buffer.from('{"model":"a"}'), 'b.onnx': Buffer.alloc(200_000, 7) };
const model: ModelVersion = {
  version: '2026-12-01T1000Z-hq',
  files: Object.entries(files).map(([name, content]) => ({ name, bytes: content.byteLength, sha256: createHash('sha256').update(content).digest('hex') })),
};

/** Central's answer for a file: the bytes in 64 KiB chunks, optionally failing after `failAfter` bytes. */
function answer(content: Uint8Array, failAfter?: number): Response {
  let sent = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (failAfter !== undefined && sent >= failAfter) return controller.error(new Error('connection reset'));
        if (sent >= content.byteLength) return controller.close();
        const chunk = content.subarray(sent, sent + 65_536);
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
}

let dir: string;
let asked: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'model-install-'));
  asked = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const serve =
  (alter: (name: string, content: Buffer) => Response = (_, content) => answer(content)): ModelDownload =>
  async (version, name) => {
    asked.push(`${version}/${name}`);
    return alter(name, files[name as keyof typeof files]);
  };

describe('installing a model set from central', () => {
  it('installs every file as listed, then finds it present', async () => {
    expect(await installModelVersion(dir, model, serve())).toBe('installed');
    expect(readdirSync(dir)).toEqual([model.version]);
    for (const [name, content] of Object.entries(files)) expect(readFileSync(join(dir, model.version, name))).toEqual(content);
    asked = [];
    expect(await installModelVersion(dir, model, serve())).toBe('present');
    expect(asked).toEqual([]);
  });

  it('leaves nothing when the download breaks off, and installs on the next attempt', async () => {
    await expect(installModelVersion(dir, model, serve((name, content) => answer(content, name === 'b.onnx' ? 131_072 : undefined)))).rejects.toThrow(/connection reset/);
    expect(readdirSync(dir)).toEqual([]);
    expect(await installModelVersion(dir, model, serve())).toBe('installed');
  });

  it('refuses a file longer or shorter than listed, or with other bytes', async () => {
    const longer = serve((name, content) => answer(name === 'a.json' ? Buffer.concat([content, Buffer.from('xx')]) : content));
    await expect(installModelVersion(dir, model, longer)).rejects.toThrow(/a\.json came with more than 13 bytes, central listed 13; not installed/);
    const shorter = serve((name, content) => answer(name === 'b.onnx' ? content.subarray(1) : content));
    await expect(installModelVersion(dir, model, shorter)).rejects.toThrow(/b\.onnx came with 199999 bytes, central listed 200000/);
    const other = serve((name, content) => answer(name === 'b.onnx' ? Buffer.alloc(content.byteLength, 8) : content));
    await expect(installModelVersion(dir, model, other)).rejects.toThrow(/b\.onnx has sha256 [0-9a-f]{64}, central listed [0-9a-f]{64}; not installed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("clears a dead process's partial set, and leaves a rolled-back set out", async () => {
    // No process has this pid: Linux pids stay below 2^22.
    const abandoned = join(dir, `${model.version}.99999999.tmp`);
    mkdirSync(abandoned, { recursive: true });
    writeFileSync(join(abandoned, 'a.json'), 'half');
    expect(await installModelVersion(dir, model, serve())).toBe('installed');
    expect(existsSync(abandoned)).toBe(false);

    rmSync(join(dir, model.version), { recursive: true });
    mkdirSync(join(dir, `${model.version}.rolled-back`));
    asked = [];
    expect(await installModelVersion(dir, model, serve())).toBe('rolled-back');
    expect(asked).toEqual([]);
    expect(existsSync(join(dir, model.version))).toBe(false);
  });

  it('takes only names that stay inside the models directory', () => {
    for (const bad of ['../x', '.hidden', 'a/b', '..', '']) {
      expect(modelVersionSchema.safeParse({ ...model, version: bad }).success).toBe(false);
      expect(modelVersionSchema.safeParse({ ...model, files: [{ ...model.files[0]!, name: bad }] }).success).toBe(false);
    }
    for (const reserved of ['2026-12-01T1000Z-hq.tmp', '2026-12-01T1000Z-hq.rolled-back']) expect(modelVersionSchema.safeParse({ ...model, version: reserved }).success).toBe(false);
    expect(modelVersionSchema.safeParse(model).success).toBe(true);
  });
});
