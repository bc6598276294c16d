CREATE TABLE `chain_customers` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`global_id` text NOT NULL,
	`visits` integer NOT NULL,
	`spend` integer NOT NULL,
	`stores` text NOT NULL,
	`last_purchase_at` integer,
	`updated_at` integer NOT NULL
);
