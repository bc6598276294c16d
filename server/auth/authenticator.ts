import type { Database } from 'bun:sqlite';
import type { SessionStore } from './session-store.ts';
import { staffIsActive } from './staff.service.ts';
import { authenticate, type Principal } from './token.service.ts';

/** How long an API token that was found valid is trusted without asking the database again: a revocation takes effect within it. */
const TRUSTED_FOR_MS = 900;
const MAX_TRUSTED = 1_000;

/**
 * Who a bearer token is: a staff session (`ss_…`, in memory) or an API token (`sa_…`, hashed in the
 * database). Every POS post carries the same few API tokens: remembering valid ones briefly takes a hash
 * and a lookup off the ingest hot path; a revoked one stops working within TRUSTED_FOR_MS.
 */
export function createAuthenticator(sqlite: Database, sessions: SessionStore) {
  const trusted = new Map<string, { principal: Principal; until: number }>();
  return {
    sessions,
    principalOf(token: string): Principal | null {
      if (token.startsWith('ss_')) {
        const s = sessions.use(token);
        if (!s) return null;
        // A member disabled meanwhile (`cli staff disable`, another process) is signed out at their next call.
        if (!staffIsActive(sqlite, s.staffId)) {
          sessions.closeFor(s.staffId);
          return null;
        }
        return { tokenId: `staff:${s.staffId}`, name: s.name, role: s.role, staffId: s.staffId };
      }
      const now = performance.now();
      const hit = trusted.get(token);
      if (hit && hit.until > now) return hit.principal;
      const principal = authenticate(sqlite, token);
      if (trusted.size >= MAX_TRUSTED) trusted.clear();
      if (principal) trusted.set(token, { principal, until: now + TRUSTED_FOR_MS });
      else trusted.delete(token);
      return principal;
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
