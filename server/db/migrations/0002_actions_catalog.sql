CREATE TABLE `actions` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`type` text NOT NULL,
	`channel` text NOT NULL,
	`offer_kind` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`priority` integer NOT NULL,
	`script` text NOT NULL,
	`reason` text NOT NULL,
	`offer` text,
	`items` text NOT NULL,
	`status` text NOT NULL,
	`outcome_at` integer,
	`survey_answer` text,
	`note` text,
	`converted_tx_id` text,
	`converted_at` integer,
	`revenue` integer
);
--> statement-breakpoint
CREATE INDEX `actions_customer` ON `actions` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `actions_type` ON `actions` (`type`,`status`);--> statement-breakpoint
CREATE TABLE `catalog_items` (
	`sku` text PRIMARY KEY NOT NULL,
	`name` text,
	`category` text,
	`last_unit_price` integer,
	`first_sold_at` integer NOT NULL,
	`last_sold_at` integer NOT NULL,
	`previous_sold_at` integer
);
--> statement-breakpoint
CREATE INDEX `catalog_items_category` ON `catalog_items` (`category`,`first_sold_at`);--> statement-breakpoint
CREATE TABLE `store_metrics` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`computed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `transaction_lines_sku` ON `transaction_lines` (`sku`);