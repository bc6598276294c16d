DROP INDEX `customer_lifecycle_first`;--> statement-breakpoint
ALTER TABLE `customer_lifecycle` ADD `revenue_12m` integer;--> statement-breakpoint
CREATE INDEX `customer_lifecycle_first` ON `customer_lifecycle` (`first_purchase_at`,`second_purchase_at`);--> statement-breakpoint
DROP INDEX `transactions_customer_time`;--> statement-breakpoint
CREATE INDEX `transactions_customer_time` ON `transactions` (`customer_id`,`occurred_at`,`kind`,`total`);