import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliSync } from '../support/cli-sync.ts';

/*
 * A store retrains on its own facts: `cli train --from-db` writes a new model set under DATA_DIR/models,
 * and the appliance serves it in place of the shipped one (`cli rescore` reports its version).
 */

const dataDir = mkdtempSync(join(tmpdir(), 'train-from-db-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const cli = (args: string[]) => cliSync(dataDir, args);

describe('cli train --from-db', () => {
  it('trains on the store, and the store then serves its own models', () => {
    expect(cli(['seed', '--customers', '400', '--months', '9']).status).toBe(0);
    const before = cli(['rescore']);
    expect(before.status).toBe(0);
    expect(JSON.parse(before.stdout).version).toMatch(/^default@/);

    const trained = cli(['train', '--from-db']);
    expect(trained.status, trained.stderr).toBe(0);
    const sets = readdirSync(join(dataDir, 'models'));
    expect(sets).toHaveLength(1);
    const set = join(dataDir, 'models', sets[0]!);
    for (const file of ['customer-models.json', 'p_purchase.card.json', 'expected_purchases.card.json', 'ranker.onnx', 'ranker.card.json']) {
      expect(existsSync(join(set, file))).toBe(true);
    }
    // each target serves the candidate chosen on the store's own internal split; an ONNX file where it is used
    const manifest = JSON.parse(readFileSync(join(set, 'customer-models.json'), 'utf8')) as { models: Record<string, { served: string; onnx: string | null }> };
    for (const [name, entry] of Object.entries(manifest.models)) {
      const card = JSON.parse(readFileSync(join(set, `${name}.card.json`), 'utf8')) as { served: string; selection: { chosen: string; split: unknown } };
      expect(card.served).toBe(entry.served);
      expect(card.selection.chosen).toBe(entry.served);
      expect(card.selection.split).not.toBeNull();
      if (entry.onnx) expect(existsSync(join(set, entry.onnx))).toBe(true);
      expect(entry.onnx !== null).toBe(entry.served === 'learned' || entry.served === 'blend');
    }

    const after = cli(['rescore']);
    expect(after.status).toBe(0);
    const report = JSON.parse(after.stdout);
    expect(report.version.startsWith(`${sets[0]}@`)).toBe(true);
    expect(report.customers).toBeGreaterThan(300);

    expect(cli(['train', '--from-db', '--lines', 'x.csv']).status).not.toBe(0);
  });
});
