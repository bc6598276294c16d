import * as z from 'zod';

const RECENT_KEY = 'clerk.recent';
const KEEP = 10;

const recentSchema = z.array(z.object({ id: z.string(), name: z.string().nullable(), label: z.string(), seen_at: z.string() }));
export type RecentCustomer = z.infer<typeof recentSchema>[number];

/** The customers served on this tablet, newest first (kept on the tablet only, at most ten). */
export function recentCustomers(): RecentCustomer[] {
  try {
    const parsed = recentSchema.safeParse(JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]'));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export function rememberCustomer(entry: RecentCustomer): void {
  const next = [entry, ...recentCustomers().filter((c) => c.id !== entry.id)].slice(0, KEEP);
  localStorage.setItem(RECENT_KEY, JSON.stringify(next));
}
