CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `customer_events` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `customer_events_customer` ON `customer_events` (`customer_id`,`at`);--> statement-breakpoint
CREATE TABLE `customer_points` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`balance` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `customer_stats` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`first_purchase_at` integer,
	`last_purchase_at` integer,
	`sale_count` integer NOT NULL,
	`sale_amount` integer NOT NULL,
	`return_count` integer NOT NULL,
	`return_amount` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`merged_into` text,
	`registered_at` integer,
	`name` text,
	`birthday` text,
	`gender` text,
	`consent_sms` integer,
	`consent_email` integer,
	`consent_push` integer,
	`consent_call` integer,
	`erased_at` integer
);
--> statement-breakpoint
CREATE INDEX `customers_merged_into` ON `customers` (`merged_into`);--> statement-breakpoint
CREATE TABLE `identity_links` (
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`customer_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`kind`, `value`)
);
--> statement-breakpoint
CREATE INDEX `identity_links_customer` ON `identity_links` (`customer_id`);--> statement-breakpoint
CREATE TABLE `loyalty_ledger` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`points` integer NOT NULL,
	`tx_id` text,
	`lot_id` integer,
	`effective_at` integer NOT NULL,
	`available_at` integer,
	`expires_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `loyalty_ledger_customer` ON `loyalty_ledger` (`customer_id`,`id`);--> statement-breakpoint
CREATE INDEX `loyalty_ledger_tx` ON `loyalty_ledger` (`tx_id`);--> statement-breakpoint
CREATE TABLE `transaction_lines` (
	`tx_id` text NOT NULL,
	`line_no` integer NOT NULL,
	`sku` text,
	`name` text,
	`category` text,
	`quantity_milli` integer NOT NULL,
	`unit_price` integer,
	`discount` integer NOT NULL,
	`amount` integer,
	`void` integer NOT NULL,
	PRIMARY KEY(`tx_id`, `line_no`)
);
--> statement-breakpoint
CREATE TABLE `transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`terminal_id` text NOT NULL,
	`receipt_no` text NOT NULL,
	`kind` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`utc_offset_min` integer NOT NULL,
	`customer_id` text,
	`total` integer NOT NULL,
	`line_count` integer NOT NULL,
	`points_earned` integer NOT NULL,
	`points_reversed` integer NOT NULL,
	`points_redeemed` integer NOT NULL,
	`points_balance` integer,
	`original_tx_id` text,
	`original_terminal_id` text,
	`original_receipt_no` text,
	`tenders` text NOT NULL,
	`change_amount` integer NOT NULL,
	`coupons` text NOT NULL,
	`content_hash` text NOT NULL,
	`source` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transactions_key` ON `transactions` (`store_id`,`terminal_id`,`receipt_no`);--> statement-breakpoint
CREATE INDEX `transactions_customer_time` ON `transactions` (`customer_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `transactions_time` ON `transactions` (`occurred_at`);