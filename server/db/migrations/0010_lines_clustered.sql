DROP INDEX `transactions_customer_time`;--> statement-breakpoint
CREATE INDEX `transactions_customer_time` ON `transactions` (`customer_id`,`occurred_at`,`kind`,`total`,`id`);--> statement-breakpoint
-- transaction_lines becomes WITHOUT ROWID (see schema.ts); same columns, same primary key, rows copied in key order.
CREATE TABLE `transaction_lines_clustered` (
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
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `transaction_lines_clustered` SELECT `tx_id`, `line_no`, `sku`, `name`, `category`, `quantity_milli`, `unit_price`, `discount`, `amount`, `void` FROM `transaction_lines` ORDER BY `tx_id`, `line_no`;--> statement-breakpoint
DROP TABLE `transaction_lines`;--> statement-breakpoint
ALTER TABLE `transaction_lines_clustered` RENAME TO `transaction_lines`;
