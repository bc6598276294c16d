CREATE TABLE `customer_months` (
	`customer_id` text NOT NULL,
	`month` text NOT NULL,
	`sales` integer NOT NULL,
	`revenue` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `month`)
);
--> statement-breakpoint
CREATE INDEX `customer_months_month` ON `customer_months` (`month`);--> statement-breakpoint
ALTER TABLE `customer_lifecycle` ADD `second_purchase_at` integer;--> statement-breakpoint
ALTER TABLE `customer_lifecycle` ADD `r_score` integer;--> statement-breakpoint
ALTER TABLE `customer_lifecycle` ADD `f_score` integer;--> statement-breakpoint
ALTER TABLE `customer_lifecycle` ADD `m_score` integer;--> statement-breakpoint
ALTER TABLE `customer_lifecycle` ADD `segment` text;--> statement-breakpoint
CREATE INDEX `customer_lifecycle_first` ON `customer_lifecycle` (`first_purchase_at`);