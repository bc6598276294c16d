import type { Database } from 'bun:sqlite';
import type { StaffRole } from '../contract/session.ts';
import { InputError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';

export interface StaffMember {
  id: string;
  name: string;
  role: StaffRole;
  createdAt: number;
  disabledAt: number | null;
}

/** What sign-in matches a typed name on: trimmed, compatibility-normalized, lower-cased. */
export function staffNameKey(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase();
}

const PIN = /^\d{4,8}$/;

/** Adds a staff member; the PIN is stored only as a slow (argon2id) hash. */
export async function addStaff(sqlite: Database, input: { name: string; role: StaffRole; pin: string }, now: number): Promise<StaffMember> {
  const name = input.name.trim();
  if (name.length === 0) throw new InputError('invalid', 'a staff name is required');
  if (!PIN.test(input.pin)) throw new InputError('invalid', 'a PIN is 4 to 8 digits');
  const key = staffNameKey(name);
  if (sqlite.query('SELECT 1 FROM staff WHERE name_key = ?').get(key)) throw new InputError('invalid', `a staff member named "${name}" exists already`);
  const pinHash = await Bun.password.hash(input.pin);
  const id = newId(now);
  sqlite
    .query('INSERT INTO staff (id, name, name_key, role, pin_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(id, name, key, input.role, pinHash, now);
  return { id, name, role: input.role, createdAt: now, disabledAt: null };
}

interface StaffRow {
  id: string;
  name: string;
  role: StaffRole;
  created_at: number;
  disabled_at: number | null;
}

const toMember = (r: StaffRow): StaffMember => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, disabledAt: r.disabled_at });

export function listStaff(sqlite: Database): StaffMember[] {
  return sqlite.query<StaffRow, []>('SELECT id, name, role, created_at, disabled_at FROM staff ORDER BY name_key').all().map(toMember);
}

/** Disables a staff member by id or name; returns them, or null when there is no such member. */
export function disableStaff(sqlite: Database, idOrName: string, now: number): StaffMember | null {
  const row = sqlite
    .query<StaffRow, [string, string]>('SELECT id, name, role, created_at, disabled_at FROM staff WHERE id = ? OR name_key = ?')
    .get(idOrName, staffNameKey(idOrName));
  if (!row) return null;
  if (row.disabled_at === null) sqlite.query('UPDATE staff SET disabled_at = ? WHERE id = ?').run(now, row.id);
  return toMember({ ...row, disabled_at: row.disabled_at ?? now });
}

export function staffIsActive(sqlite: Database, id: string): boolean {
  return sqlite.query('SELECT 1 FROM staff WHERE id = ? AND disabled_at IS NULL').get(id) !== null;
}

/** The active staff member with this name and PIN, or null. Verifying runs off the event loop (Bun's thread pool). */
export async function verifyStaff(sqlite: Database, name: string, pin: string): Promise<StaffMember | null> {
  const row = sqlite
    .query<StaffRow & { pin_hash: string }, [string]>('SELECT id, name, role, created_at, disabled_at, pin_hash FROM staff WHERE name_key = ? AND disabled_at IS NULL')
    .get(staffNameKey(name));
  if (!row) {
    // The same work as a real check, so a missing name does not answer faster than a wrong PIN.
    await Bun.password.verify(pin, await dummyHash());
    return null;
  }
  return (await Bun.password.verify(pin, row.pin_hash)) ? toMember(row) : null;
}

let dummy: Promise<string> | null = null;
/** A hash to verify against when the name is unknown, made once on first use. */
const dummyHash = (): Promise<string> => (dummy ??= Bun.password.hash('not-a-pin'));
