import type { Database } from 'bun:sqlite';
import type { OutboundChannel } from '../contract/enums.ts';
import { csvCell } from '../kernel/csv-cell.ts';
import { CONTACT_KIND, consentedLive, latestIdentifier } from './consented-customers.ts';

/*
 * Campaign audiences: live customers of a stage and/or RFM segment who consented to the channel, with the
 * contact for that channel. Consent is checked here, at the source, not left to the campaign tool.
 */

const PAGE = 5000;

export const AUDIENCE_CSV_HEADER = 'customer_id,name,stage,segment,channel,contact\n';

/** The audience's CSV lines after the header, a page at a time, with the customers each page names (for the audit log). */
export function* audienceCsvPages(
  sqlite: Database,
  filter: { channel: OutboundChannel; stage?: string | undefined; segment?: string | undefined },
): Generator<{ csv: string; customerIds: string[] }> {
  const kind = CONTACT_KIND[filter.channel];
  // Keyset pages, each read to the end at once: no statement stays open across the stream's awaits,
  // while the write queue may commit on the same connection.
  const page = sqlite.query<
    { id: string; name: string | null; stage: string | null; segment: string | null; contact: string | null },
    [string | null, string | null, string | null, string]
  >(
    `SELECT c.id, c.name, l.stage, l.segment, ${latestIdentifier('?1')} AS contact
     FROM customers c LEFT JOIN customer_lifecycle l ON l.customer_id = c.id
     WHERE c.id > ?4 AND ${consentedLive(filter.channel)}
       AND (?2 IS NULL OR l.stage = ?2) AND (?3 IS NULL OR l.segment = ?3)
     ORDER BY c.id LIMIT ${PAGE}`,
  );
  let after = '';
  for (;;) {
    const rows = page.all(kind, filter.stage ?? null, filter.segment ?? null, after);
    // Consented but nothing to reach them by: not in the file.
    const reachable = rows.filter((r) => kind === null || r.contact !== null);
    const csv = reachable.map((r) => `${[r.id, r.name, r.stage, r.segment, filter.channel, r.contact].map(csvCell).join(',')}\n`).join('');
    if (reachable.length > 0) yield { csv, customerIds: reachable.map((r) => r.id) };
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}
