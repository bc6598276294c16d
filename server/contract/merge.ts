import * as z from 'zod';
import { identifierKindSchema } from './enums.ts';

/* Merge suggestions (two registered customers one sale named together) and unmerges: the manager's side. */

export const mergeSuggestionStatusSchema = z.enum(['open', 'approved', 'rejected']);
export type MergeSuggestionStatus = z.infer<typeof mergeSuggestionStatusSchema>;

export const mergeSuggestionQuerySchema = z.strictObject({ status: mergeSuggestionStatusSchema.optional() });

export const mergeSuggestionSchema = z.object({
  id: z.string(),
  /** The customer the sale went to (its strongest identifier's); it survives an approval. */
  customer_id: z.string(),
  /** The other registered customer the sale named. */
  other_customer_id: z.string(),
  status: mergeSuggestionStatusSchema,
  /** The identifier kinds that named the other customer. */
  kinds: z.array(identifierKindSchema),
  /** The transaction that named both. */
  tx_id: z.string().nullable(),
  created_at: z.string(),
  decided_at: z.string().nullable(),
});
export type MergeSuggestion = z.infer<typeof mergeSuggestionSchema>;

export const mergeSuggestionListSchema = z.object({ suggestions: z.array(mergeSuggestionSchema) });
export type MergeSuggestionList = z.infer<typeof mergeSuggestionListSchema>;

/** After an approval: the suggestion as decided and the customer that stands (the survivor). */
export const mergeDecisionSchema = z.object({ suggestion: mergeSuggestionSchema, customer_id: z.string().nullable() });
export type MergeDecision = z.infer<typeof mergeDecisionSchema>;

/** After an unmerge: the customer that came back and the one it was merged into. */
export const unmergeResultSchema = z.object({ id: z.string(), unmerged_from: z.string(), customer_ids: z.array(z.string()) });
export type UnmergeResult = z.infer<typeof unmergeResultSchema>;
