CREATE TABLE `merge_suggestions` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`other_customer_id` text NOT NULL,
	`status` text NOT NULL,
	`kinds` text NOT NULL,
	`tx_id` text,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	`decided_by` text
);
--> statement-breakpoint
CREATE INDEX `merge_suggestions_status` ON `merge_suggestions` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `merge_suggestions_pair` ON `merge_suggestions` (`customer_id`,`other_customer_id`);--> statement-breakpoint
ALTER TABLE `customers` ADD `absorbed_into` text;--> statement-breakpoint
CREATE INDEX `customers_absorbed_into` ON `customers` (`absorbed_into`);--> statement-breakpoint
ALTER TABLE `identity_links` ADD `linked_for` text;