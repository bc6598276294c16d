import { DAY_MS } from '../kernel/clock.ts';
import type { SuggestedItem } from '../contract/actions.ts';
import type { ActionContext, ActionRule } from './action-types.ts';

/*
 * The rule catalog: every next-best action the appliance can suggest, as data. Each rule says for whom
 * (stages), through which channel, how important, which offer (one of a kind per period), and how to say
 * it. Guardrails (consent, caps, quiet hours, returned items, offer periods) are applied afterwards in
 * guardrails.ts, the same way for every rule.
 */

const firstName = (ctx: ActionContext) => ctx.customer.name?.split(' ').slice(-1)[0] ?? 'there';
const names = (items: SuggestedItem[]) => items.map((i) => i.name ?? i.sku).join(', ');
const daysSince = (ctx: ActionContext, t: number | null) => (t === null ? null : Math.floor((ctx.now - t) / DAY_MS));

/** Days until the next MM-DD (0 = today) from a local date. */
export function daysUntilAnniversary(localDate: string, monthDay: string): number {
  const [y, m, d] = localDate.split('-').map(Number) as [number, number, number];
  const today = Date.UTC(y, m - 1, d);
  const [mm, dd] = monthDay.split('-').map(Number) as [number, number];
  let next = Date.UTC(y, mm - 1, dd);
  if (next < today) next = Date.UTC(y + 1, mm - 1, dd);
  return Math.round((next - today) / DAY_MS);
}

export const ACTION_CATALOG: readonly ActionRule[] = [
  {
    type: 'return_follow_up',
    channel: 'in_store',
    stages: 'any',
    basePriority: 100,
    expiresInDays: 3,
    build: (ctx) => {
      const days = daysSince(ctx, ctx.lastReturnAt);
      if (days === null || days > 14) return null;
      return {
        script: `I'm sorry the item you brought back ${days === 0 ? 'today' : `${days} days ago`} didn't work out, ${firstName(ctx)}. Was it the product, or something we could do better?`,
        reason: `returned something ${days} days ago: apologize before suggesting anything`,
      };
    },
  },
  {
    type: 'welcome',
    channel: 'in_store',
    stages: ['new', 'prospect'],
    basePriority: 80,
    offer: { kind: 'welcome', periodDays: 36500, code: 'WELCOME10', description: '10% off the first purchase' },
    expiresInDays: 30,
    needsItems: true,
    build: (ctx) => ({
      script: `Welcome to ${ctx.storeName}, ${firstName(ctx)}! Here is 10% off your first purchase. Our most popular right now: ${names(ctx.popularItems.slice(0, 3))}.`,
      reason: ctx.stage === 'prospect' ? 'registered a while ago and has not bought yet' : 'new member, no purchase yet',
      items: ctx.popularItems.slice(0, 3),
    }),
  },
  {
    type: 'first_purchase_thanks',
    channel: 'in_store',
    stages: ['first_purchase'],
    basePriority: 70,
    expiresInDays: 14,
    build: (ctx) => {
      // Never ask how an item was that the customer brought back.
      const kept = ctx.lastBasket.filter((i) => !ctx.returnedSkus.has(i.sku));
      const bought = kept[0];
      const allReturned = ctx.lastBasket.length > 0 && kept.length === 0;
      const items = ctx.complementary.slice(0, 3);
      const question = allReturned
        ? 'We saw it was not right for you: what could we do better?'
        : `How was ${bought ? `the ${bought.name ?? bought.sku}` : 'everything'}?`;
      return {
        script:
          `Thank you for your first purchase, ${firstName(ctx)}! ${question}` +
          (items.length > 0 && !allReturned ? ` People who bought it also like ${names(items)}.` : ''),
        reason: `first purchase ${daysSince(ctx, ctx.lastPurchaseAt)} days ago: ask how it went (survey)`,
        items,
      };
    },
  },
  {
    type: 'favourite_news',
    channel: 'in_store',
    stages: ['active'],
    basePriority: 50,
    expiresInDays: 7,
    needsItems: true,
    build: (ctx) => {
      if (!ctx.favouriteCategory || ctx.newInFavourite.length === 0) return null;
      const items = ctx.newInFavourite.slice(0, 3);
      const back = items.some((i) => i.why === 'back');
      return {
        script: `Something for you in ${ctx.favouriteCategory}: ${names(items)} ${back ? 'just came back in stock' : 'just arrived'}.`,
        reason: `buys ${ctx.favouriteCategory} most often; ${back ? 'back in stock' : 'new arrivals'} there`,
        items,
      };
    },
  },
  {
    type: 'win_back',
    channel: 'in_store',
    stages: ['at_risk'],
    basePriority: 75,
    offer: { kind: 'win_back', periodDays: 30, code: 'COMEBACK15', description: '15% off one basket this week' },
    expiresInDays: 7,
    build: (ctx) => {
      const days = daysSince(ctx, ctx.lastPurchaseAt);
      const usual = ctx.usualGapDays ? `usually every ${ctx.usualGapDays} days; ` : '';
      return {
        script: `So good to see you again, ${firstName(ctx)}! Is there anything we could do better? Here is 15% off a basket this week.`,
        reason: `${usual}last visit ${days} days ago: at risk of leaving (win-back survey)`,
      };
    },
  },
  {
    type: 'points_expiring',
    channel: 'in_store',
    stages: 'any',
    basePriority: 60,
    stageBoost: { at_risk: 1.5 },
    offer: { kind: 'points_reminder', periodDays: 30, code: 'POINTS', description: 'use expiring points today' },
    expiresInDays: 7,
    build: (ctx) => {
      if (ctx.points.expiringSoon <= 0) return null;
      return {
        script: `You have ${ctx.points.expiringSoon} points expiring within 30 days, would you like to use them today?`,
        reason: `${ctx.points.expiringSoon} of ${ctx.points.spendable} points expire within 30 days`,
      };
    },
  },
  {
    type: 'points_expiring_sms',
    channel: 'sms',
    stages: ['at_risk', 'dormant'],
    basePriority: 40,
    offer: { kind: 'points_reminder', periodDays: 30, code: 'POINTS', description: 'use expiring points' },
    expiresInDays: 3,
    build: (ctx) =>
      ctx.points.expiringSoon > 0
        ? { script: `${ctx.storeName}: ${ctx.points.expiringSoon} of your points expire within 30 days. Use them on your next visit!`, reason: `points expiring; not seen for ${daysSince(ctx, ctx.lastPurchaseAt)} days` }
        : null,
  },
  {
    type: 'birthday',
    channel: 'in_store',
    stages: 'any',
    basePriority: 85,
    stageBoost: { at_risk: 1.3 },
    offer: { kind: 'birthday', periodDays: 300, code: 'BDAY20', description: 'birthday coupon: 20 off a basket over 100' },
    expiresInDays: 14,
    build: (ctx) => {
      if (!ctx.customer.birthday) return null;
      const inDays = daysUntilAnniversary(ctx.localDate, ctx.customer.birthday.slice(5));
      if (inDays > 7) return null;
      return {
        script: inDays === 0 ? `Happy birthday, ${firstName(ctx)}! Here is your birthday coupon.` : `Your birthday is coming up in ${inDays} days, ${firstName(ctx)}: here is a birthday coupon from us.`,
        reason: inDays === 0 ? 'birthday today' : `birthday in ${inDays} days`,
      };
    },
  },
  {
    type: 'membership_anniversary',
    channel: 'in_store',
    stages: 'any',
    basePriority: 55,
    stageBoost: { at_risk: 1.3 },
    offer: { kind: 'anniversary', periodDays: 300, code: 'ANNIV', description: 'anniversary gift' },
    expiresInDays: 14,
    build: (ctx) => {
      const years = Math.floor((ctx.now - ctx.customer.joinedAt) / (365.25 * DAY_MS) + 7 / 365.25);
      if (!ctx.customer.registered || years < 1) return null;
      const joined = new Date(ctx.customer.joinedAt).toISOString().slice(5, 10);
      const inDays = daysUntilAnniversary(ctx.localDate, joined);
      if (inDays > 7) return null;
      return { script: `${years} year${years > 1 ? 's' : ''} with us, ${firstName(ctx)}! Thank you, please take this small gift.`, reason: `membership anniversary (${years} years) in ${inDays} days` };
    },
  },
  {
    type: 'tier_upgrade',
    channel: 'in_store',
    stages: ['first_purchase', 'active', 'at_risk'],
    basePriority: 45,
    expiresInDays: 7,
    build: (ctx) => {
      const next = ctx.points.nextTier;
      // Within reach: at most a fifth of the next tier's threshold, and at most 300 points.
      if (!next || next.pointsNeeded > Math.min(300, next.minPoints * 0.2)) return null;
      return { script: `Only ${next.pointsNeeded} points to ${next.name}, ${firstName(ctx)}: today's basket could get you there.`, reason: `${next.pointsNeeded} points to ${next.name}` };
    },
  },
  {
    type: 'top_spender_gift',
    channel: 'in_store',
    stages: ['active', 'first_purchase', 'at_risk'],
    basePriority: 65,
    offer: { kind: 'vip_gift', periodDays: 90, code: 'VIPGIFT', description: 'thank-you gift for our best customers' },
    expiresInDays: 14,
    build: (ctx) =>
      ctx.topSpender
        ? { script: `Thank you for being one of our best customers, ${firstName(ctx)}. Please accept this small gift.`, reason: `top 10% by spend in the last 12 months (${ctx.formatMoney(ctx.spend365)})` }
        : null,
  },
  {
    type: 'holiday_news',
    channel: 'email',
    stages: ['dormant'],
    basePriority: 30,
    offer: { kind: 'holiday', periodDays: 30, code: 'HOLIDAY', description: 'holiday offers' },
    expiresInDays: 7,
    build: (ctx) =>
      ctx.upcomingHoliday
        ? { script: `${ctx.upcomingHoliday.name} is coming: see what's new at ${ctx.storeName}.`, reason: `dormant; ${ctx.upcomingHoliday.name} in ${ctx.upcomingHoliday.inDays} days` }
        : null,
  },
];
