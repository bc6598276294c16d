CREATE TABLE `customer_scores` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`model_version` text NOT NULL,
	`scored_at` integer NOT NULL,
	`p_purchase` real NOT NULL,
	`expected_purchases` real NOT NULL,
	`horizon_days` integer NOT NULL,
	`clv` integer NOT NULL,
	`reasons` text NOT NULL,
	`recommendations` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `customer_scores_p` ON `customer_scores` (`p_purchase`);