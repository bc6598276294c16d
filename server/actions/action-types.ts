import type { SuggestedItem } from '../contract/actions.ts';
import type { Channel, OutboundChannel, Stage } from '../contract/enums.ts';

/** What the rules may know about a customer at a moment. Money in minor units, times in ms. */
export interface ActionContext {
  now: number;
  /** Store-local calendar date (YYYY-MM-DD) and hour of `now`. */
  localDate: string;
  storeName: string;
  formatMoney: (minor: number) => string;
  customer: {
    id: string;
    name: string | null;
    birthday: string | null;
    joinedAt: number;
    registered: boolean;
    consent: Record<OutboundChannel, boolean>;
  };
  stage: Stage;
  purchaseCount: number;
  lastPurchaseAt: number | null;
  usualGapDays: number | null;
  points: { spendable: number; expiringSoon: number; tierName: string; nextTier: { name: string; pointsNeeded: number; minPoints: number } | null };
  spend365: number;
  topSpender: boolean;
  favouriteCategory: string | null;
  lastBasket: SuggestedItem[];
  /** Items returned within the block window; never suggested. */
  returnedSkus: ReadonlySet<string>;
  lastReturnAt: number | null;
  popularItems: SuggestedItem[];
  newInFavourite: Array<SuggestedItem & { why: 'new' | 'back' }>;
  complementary: SuggestedItem[];
  upcomingHoliday: { name: string; date: string; inDays: number } | null;
}

export interface ActionOffer {
  /** Guardrail: one offer of a kind per `periodDays`. */
  kind: string;
  periodDays: number;
  code: string;
  description: string;
}

export interface ActionRule {
  type: string;
  channel: Channel;
  /** Stages the rule is for; 'any' for event-driven rules. */
  stages: readonly Stage[] | 'any';
  basePriority: number;
  /** Multiplies the priority in these stages (e.g. stronger when at risk). */
  stageBoost?: Partial<Record<Stage, number>>;
  offer?: ActionOffer;
  expiresInDays: number;
  /** Whether the rule's point is the items it suggests (dropped when guardrails leave none). */
  needsItems?: boolean;
  /** null when the rule does not fire for this customer now. */
  build(ctx: ActionContext): { script: string; reason: string; items?: SuggestedItem[] } | null;
}

export interface ActionCandidate {
  type: string;
  channel: Channel;
  priority: number;
  offer: ActionOffer | null;
  expiresInDays: number;
  script: string;
  reason: string;
  items: SuggestedItem[];
}
