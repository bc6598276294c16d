import { Hono } from 'hono';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import { actorOf } from '../auth/token.service.ts';
import { type MergeDecision, mergeSuggestionQuerySchema, type MergeSuggestionList, type UnmergeResult } from '../contract/merge.ts';
import { parseOr422 } from '../http/request-body.ts';
import { decideMergeSuggestion, listMergeSuggestions } from '../identity/merge-suggestions.ts';
import type { AppDeps } from './app-deps.ts';
import { approveMergeSuggestion } from './merge-customers.ts';
import { unmergeCustomer } from './unmerge-customer.ts';

/** The manager's side of identity: suggestions to merge two registered customers, approvals, rejections, unmerges. */
export function mergeSuggestionRoutes(deps: AppDeps) {
  const app = new Hono<AuthEnv>();
  const manager = requireRole(deps.auth, ACCESS.store);

  app.get('/merge-suggestions', manager, (c) => {
    const q = parseOr422(mergeSuggestionQuerySchema, c.req.query(), 'the query');
    return c.json({ suggestions: listMergeSuggestions(deps.sqlite, q.status) } satisfies MergeSuggestionList);
  });

  app.post('/merge-suggestions/:id/approve', manager, async (c) => {
    const decided = await deps.writes.run(() => approveMergeSuggestion(deps.sqlite, deps.lifecycle, c.req.param('id'), deps.clock(), actorOf(c.get('principal'))));
    if (decided.customer_id) deps.rescore.enqueue(decided.customer_id);
    return c.json(decided);
  });

  app.post('/merge-suggestions/:id/reject', manager, async (c) => {
    const suggestion = await deps.writes.run(() => decideMergeSuggestion(deps.sqlite, c.req.param('id'), 'rejected', actorOf(c.get('principal')), deps.clock()));
    return c.json({ suggestion, customer_id: null } satisfies MergeDecision);
  });

  /** Undoes the merge of this (merged-away) customer: it comes back with its identifiers, transactions and points. */
  app.post('/customers/:id/unmerge', manager, async (c) => {
    const result = await deps.writes.run(() =>
      unmergeCustomer(deps.sqlite, deps.lifecycle, c.req.param('id'), deps.clock(), actorOf(c.get('principal'))),
    );
    for (const id of [result.id, result.unmerged_from]) deps.rescore.enqueue(id);
    return c.json(result satisfies UnmergeResult);
  });

  return app;
}
