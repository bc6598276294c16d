import { randomBytes } from 'node:crypto';
import type { StaffRole } from '../contract/session.ts';
import type { Clock } from '../kernel/clock.ts';
import { hashToken } from './token.service.ts';

export interface StaffSession {
  staffId: string;
  name: string;
  role: StaffRole;
  /** ms */
  expiresAt: number;
  lastSeenAt: number;
}

/**
 * Staff sessions, in memory by token hash: short-lived by design (a restart signs the tablets out), ended
 * by sign-out, by `idleMs` without a call, or at their absolute expiry.
 */
export function createSessionStore(opts: { clock: Clock; idleMs: number; maxMs: number }) {
  const sessions = new Map<string, StaffSession>();

  function open(staff: { id: string; name: string; role: StaffRole }): { token: string; session: StaffSession } {
    const now = opts.clock();
    const token = `ss_${randomBytes(24).toString('base64url')}`;
    const session = { staffId: staff.id, name: staff.name, role: staff.role, expiresAt: now + opts.maxMs, lastSeenAt: now };
    sessions.set(hashToken(token), session);
    return { token, session };
  }

  /** The live session of a token, touched (its idle time starts again); null when unknown or ended. */
  function use(token: string): StaffSession | null {
    const key = hashToken(token);
    const s = sessions.get(key);
    if (!s) return null;
    const now = opts.clock();
    if (now >= s.expiresAt || now - s.lastSeenAt >= opts.idleMs) {
      sessions.delete(key);
      return null;
    }
    s.lastSeenAt = now;
    return s;
  }

  function close(token: string): boolean {
    return sessions.delete(hashToken(token));
  }

  /** Ends every session of a staff member (disabled). */
  function closeFor(staffId: string): void {
    for (const [k, s] of sessions) if (s.staffId === staffId) sessions.delete(k);
  }

  return { open, use, close, closeFor, idleMs: opts.idleMs };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
