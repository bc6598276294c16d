import { monotonicFactory } from 'ulid';

/** ULIDs: sortable by creation time, safe to mint on any store without coordination. */
const nextUlid = monotonicFactory();

export function newId(now: number): string {
  return nextUlid(now);
}
