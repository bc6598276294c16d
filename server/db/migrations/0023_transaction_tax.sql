DROP INDEX `transactions_customer_time`;--> statement-breakpoint
ALTER TABLE `transactions` ADD `tax` integer;--> statement-breakpoint
ALTER TABLE `transactions` ADD `tax_included` integer;--> statement-breakpoint
CREATE INDEX `transactions_customer_time` ON `transactions` (`customer_id`,`occurred_at`,`kind`,`total`,`id`,`tax`,`tax_included`);