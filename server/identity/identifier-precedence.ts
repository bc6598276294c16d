import type { IdentifierKind } from '../contract/enums.ts';
import type { IdentifierRef } from '../kernel/transaction-input.ts';

/**
 * Identifier kinds from strongest to weakest (README "Identity"): a card is issued by the store to one person,
 * a member id and an external id are accounts, a phone or an email is typed at a till and can be mistyped or
 * shared. A sale naming several customers goes to the strongest identifier's customer.
 */
export const IDENTIFIER_PRECEDENCE: readonly IdentifierKind[] = ['card', 'member', 'external', 'phone', 'email'];

/** 0 for the strongest kind (a card), up to 4 for the weakest (an email). */
export const precedenceRank = (kind: IdentifierKind): number => IDENTIFIER_PRECEDENCE.indexOf(kind);

/** The refs strongest first (a stable sort: refs of one kind keep their order). */
export function byPrecedence(refs: readonly IdentifierRef[]): IdentifierRef[] {
  return [...refs].sort((a, b) => precedenceRank(a.kind) - precedenceRank(b.kind));
}
