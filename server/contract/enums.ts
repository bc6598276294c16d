import * as z from 'zod';

/* The closed vocabularies of the wire, each defined once; the server, the PWA and sync import them from here. */

export const STAGES = ['new', 'prospect', 'first_purchase', 'active', 'at_risk', 'dormant'] as const;
export const stageSchema = z.enum(STAGES);
export type Stage = z.infer<typeof stageSchema>;

export const SEGMENTS = ['champions', 'loyal', 'promising', 'needs_attention', 'cant_lose', 'at_risk', 'hibernating', 'lost'] as const;
export const segmentSchema = z.enum(SEGMENTS);
export type Segment = z.infer<typeof segmentSchema>;

export const CHANNELS = ['in_store', 'sms', 'email', 'push', 'call'] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;

/** The channels that reach a customer outside the store: each needs the customer's consent. */
export const OUTBOUND_CHANNELS = ['sms', 'email', 'push', 'call'] as const satisfies readonly Channel[];
export const outboundChannelSchema = z.enum(OUTBOUND_CHANNELS);
export type OutboundChannel = z.infer<typeof outboundChannelSchema>;

/** `metrics`: a scraper's token, which reads GET /metrics and nothing else. */
export const ROLES = ['terminal', 'clerk', 'manager', 'hq', 'admin', 'metrics'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const IDENTIFIER_KINDS = ['card', 'phone', 'email', 'member', 'external'] as const;
export const identifierKindSchema = z.enum(IDENTIFIER_KINDS);
export type IdentifierKind = z.infer<typeof identifierKindSchema>;

export const TRANSACTION_KINDS = ['sale', 'return'] as const;
export const transactionKindSchema = z.enum(TRANSACTION_KINDS);
export type TransactionKind = z.infer<typeof transactionKindSchema>;

/** What an associate reports back about an action. */
export const ACTION_OUTCOMES = ['done', 'declined', 'not_now'] as const;
export const actionOutcomeSchema = z.enum(ACTION_OUTCOMES);
export type ActionOutcome = z.infer<typeof actionOutcomeSchema>;

/** An action's state: open until an outcome is posted or it expires. */
export const ACTION_STATUSES = ['open', ...ACTION_OUTCOMES, 'expired'] as const;
export const actionStatusSchema = z.enum(ACTION_STATUSES);
export type ActionStatus = z.infer<typeof actionStatusSchema>;

export const GENDERS = ['f', 'm', 'x'] as const;
export const genderSchema = z.enum(GENDERS);
export type Gender = z.infer<typeof genderSchema>;

export const POSLOG_STATUSES = ['stored', 'duplicate', 'rejected', 'skipped'] as const;
export const posLogStatusSchema = z.enum(POSLOG_STATUSES);
export type PosLogStatus = z.infer<typeof posLogStatusSchema>;
