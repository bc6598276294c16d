CREATE TABLE `customer_lifecycle` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`stage` text NOT NULL,
	`since` integer NOT NULL,
	`joined_at` integer NOT NULL,
	`purchase_count` integer NOT NULL,
	`first_purchase_at` integer,
	`last_purchase_at` integer,
	`median_gap_ms` integer,
	`active_since` integer,
	`evaluated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `customer_lifecycle_stage` ON `customer_lifecycle` (`stage`);--> statement-breakpoint
CREATE TABLE `stage_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` text NOT NULL,
	`from_stage` text,
	`to_stage` text NOT NULL,
	`at` integer NOT NULL,
	`recorded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stage_changes_customer` ON `stage_changes` (`customer_id`,`at`);--> statement-breakpoint
CREATE INDEX `stage_changes_at` ON `stage_changes` (`at`);--> statement-breakpoint
CREATE INDEX `transactions_original` ON `transactions` (`original_tx_id`);