DROP INDEX `transactions_original`;--> statement-breakpoint
CREATE INDEX `transactions_original` ON `transactions` (`original_tx_id`) WHERE "transactions"."original_tx_id" IS NOT NULL;