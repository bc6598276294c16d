CREATE TABLE `prediction_snapshots` (
	`taken_at` integer NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`model_version` text NOT NULL,
	`horizon_days` integer NOT NULL,
	`p_purchase` real NOT NULL,
	`expected_purchases` real NOT NULL,
	`recommendations` text NOT NULL,
	PRIMARY KEY(`taken_at`, `customer_id`)
);
