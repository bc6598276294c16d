import type { Database } from 'bun:sqlite';
import type { AuditAction, AuditEntry, AuditPage } from '../contract/audit.ts';

/** One read of personal data, as the trail buffers it and the log stores it. */
export interface AuditRow {
  /** Epoch ms. */
  at: number;
  actorKind: 'token' | 'staff';
  /** The staff id, or the token id: never a secret. */
  actorId: string;
  role: string;
  action: AuditAction;
  customerId: string | null;
  route: string;
}

/**
 * Appends rows (in the caller's transaction). One single-row statement, run per row: a multi-row INSERT sized
 * to each batch would be a new SQL string per batch size, each evicting a hot statement from the connection's
 * query cache (db/open.ts).
 */
export function insertAuditRows(sqlite: Database, rows: readonly AuditRow[]): void {
  const insert = sqlite.query<unknown, [number, string, string, string, string, string | null, string]>(
    'INSERT INTO audit_log (at, actor_kind, actor_id, role, action, customer_id, route) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  for (const r of rows) insert.run(r.at, r.actorKind, r.actorId, r.role, r.action, r.customerId, r.route);
}

/** The daily sweep's retention: deletes rows older than `before` (epoch ms). Returns how many. */
export function pruneAuditLog(sqlite: Database, before: number): number {
  return sqlite.query('DELETE FROM audit_log WHERE at < ?').run(before).changes;
}

export interface AuditFilter {
  customerId?: string;
  actorId?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Rows with a smaller id than this (the previous page's last). */
  beforeId?: number;
  limit: number;
}

interface StoredRow {
  id: number;
  at: number;
  actor_kind: 'token' | 'staff';
  actor_id: string;
  role: string;
  action: AuditAction;
  customer_id: string | null;
  route: string;
}

/**
 * One page of the log, newest first. The cursor is a row id: ids only grow (AUTOINCREMENT, never reused after
 * pruning), so a page boundary stays put while reads are recorded meanwhile.
 */
export function auditPage(sqlite: Database, f: AuditFilter): AuditPage {
  const where: string[] = [];
  const params: Array<string | number> = [];
  const add = (sql: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(sql);
    params.push(value);
  };
  add('customer_id = ?', f.customerId);
  add('actor_id = ?', f.actorId);
  add('at >= ?', f.since);
  add('at < ?', f.until);
  add('id < ?', f.beforeId);
  const rows = sqlite
    .query<StoredRow, Array<string | number>>(
      `SELECT id, at, actor_kind, actor_id, role, action, customer_id, route FROM audit_log
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
    )
    .all(...params, f.limit + 1);
  const page = rows.slice(0, f.limit);
  return {
    entries: page.map(
      (r): AuditEntry => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor: { kind: r.actor_kind, id: r.actor_id, role: r.role },
        action: r.action,
        customer_id: r.customer_id,
        route: r.route,
      }),
    ),
    next_cursor: rows.length > f.limit ? String(page[page.length - 1]!.id) : null,
  };
}
