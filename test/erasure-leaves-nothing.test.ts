import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { customerActionsSchema } from '../server/contract/actions.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { killAllChildren, runCli, startServer } from './fault/server-process.ts';
import { sale } from './support/test-appliance.ts';

/*
 * "Erasure leaves nothing behind": a real server process on its own DATA_DIR, a customer with distinctive values
 * who buys and gets an action whose script quotes their name; after the erasure every byte of every file under
 * DATA_DIR (database, WAL, shared memory, whatever else is there) is searched for each value in UTF-8, once while
 * the server still runs and once after it stopped cleanly.
 */

const dirs: string[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const CUSTOMER = {
  loyalty_card: '88770042917',
  phone: '13971624853',
  email: 'Ysolde.Q@Erasure-Probe.example',
  name: 'Ysolde Quarrington-Vakhtang',
  birthday: '1983-07-29',
};
/** Every form a value may be stored in: as typed, and normalized (E.164 phone, lower-cased email), and the name's part the scripts quote. */
const VALUES = [
  CUSTOMER.loyalty_card,
  CUSTOMER.phone,
  '+8613971624853',
  CUSTOMER.email,
  CUSTOMER.email.toLowerCase(),
  CUSTOMER.name,
  'Quarrington-Vakhtang',
  'Ysolde',
  CUSTOMER.birthday,
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(dir, e.name), ...filesUnder(join(dir, e.name))] : [join(dir, e.name)]));
}

/** Each value found, with the files holding it. */
function valuesFoundIn(dir: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const file of filesUnder(dir).filter((f) => statSync(f).isFile())) {
    const bytes = readFileSync(file);
    for (const v of VALUES) if (bytes.includes(Buffer.from(v, 'utf8'))) (found[v] ??= []).push(file.slice(dir.length + 1));
  }
  return found;
}

describe('erasure', () => {
  it('leaves none of the customer\'s values in any file under DATA_DIR, whose files are the owner\'s alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-erasure-'));
    dirs.push(dir);
    const token = (await runCli(dir, ['token', 'create', '--role', 'admin', '--name', 'erasure-test'])).trim();
    const server = await startServer(dir);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };

    const registered = await call('POST', '/api/v1/customers', { ...CUSTOMER, consent: { sms: true, email: true } });
    expect(registered.status).toBe(201);
    const id = customerCardSchema.parse(registered.body).id;
    // 900 points earned: 100 short of Gold, so the tier action quotes the customer's name.
    const line = { sku: '6901234500001', name: 'Tea set', category: 'gifts', quantity: 1, unit_price: 900, discount: 0, amount: 900 };
    for (const receipt_no of ['E000001', 'E000002']) {
      const big = receipt_no === 'E000001';
      const posted = await call('POST', '/api/v1/transactions', sale({
        receipt_no,
        customer: { loyalty_card: CUSTOMER.loyalty_card },
        ...(big ? { lines: [line], tenders: [{ type: 'card', amount: 900 }] } : {}),
      }));
      expect(posted.status).toBe(201);
    }
    const actions = customerActionsSchema.parse((await call('GET', `/api/v1/customers/${id}/actions`)).body);
    expect(actions.actions.map((a) => a.script).join(' ')).toContain('Quarrington-Vakhtang');
    // The search can find what is there: before the erasure each value is on disk (database or WAL) in the form
    // the store keeps (an email only lower-cased).
    expect(Object.keys(valuesFoundIn(dir)).sort()).toEqual(VALUES.filter((v) => v !== CUSTOMER.email).sort());

    expect((await call('DELETE', `/api/v1/customers/${id}`)).status).toBe(200);
    // While the server runs: the erasure's answer came after the WAL was truncated.
    expect(valuesFoundIn(dir)).toEqual({});
    // The card no longer finds anyone.
    expect((await call('GET', `/api/v1/customers/lookup?card=${CUSTOMER.loyalty_card}`)).status).toBe(404);

    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(valuesFoundIn(dir)).toEqual({});

    for (const path of filesUnder(dir)) {
      const st = statSync(path);
      expect([path.slice(dir.length + 1), (st.mode & 0o777).toString(8)]).toEqual([path.slice(dir.length + 1), st.isDirectory() ? '700' : '600']);
    }
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
  });
});
