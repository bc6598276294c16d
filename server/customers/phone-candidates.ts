import type { Database } from 'bun:sqlite';
import type { PhoneCandidates } from '../contract/customer.ts';
import { customersByPhoneSuffix } from '../identity/identity.service.ts';
import { maskIdentifier } from '../identity/normalize-identifier.ts';
import { isoOrNull } from '../kernel/money.ts';

/** Candidates a clerk may read out: at most this many, masked. */
const MAX_CANDIDATES = 10;

/** Customers whose phone ends in `last4`, masked (first letter of the name, the phone's ends), most recently linked first. */
export function phoneCandidates(sqlite: Database, last4: string): PhoneCandidates {
  const found = customersByPhoneSuffix(sqlite, last4, MAX_CANDIDATES + 1);
  const details = sqlite.query<{ name: string | null; last_purchase_at: number | null }, [string]>(
    'SELECT c.name, s.last_purchase_at FROM customers c LEFT JOIN customer_stats s ON s.customer_id = c.id WHERE c.id = ?',
  );
  return {
    candidates: found.slice(0, MAX_CANDIDATES).map(({ customerId, phone }) => {
      const d = details.get(customerId);
      return {
        id: customerId,
        name: d?.name ? `${[...d.name][0]}**` : null,
        phone: maskIdentifier('phone', phone),
        last_purchase_at: isoOrNull(d?.last_purchase_at),
      };
    }),
    truncated: found.length > MAX_CANDIDATES,
  };
}
