ALTER TABLE `transactions` ADD `tax` integer;--> statement-breakpoint
ALTER TABLE `transactions` ADD `tax_included` integer;