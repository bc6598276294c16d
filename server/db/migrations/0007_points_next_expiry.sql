ALTER TABLE `customer_points` ADD `next_expiry_at` integer;--> statement-breakpoint
-- Unknown for rows written before this cache existed: their next write replays the ledger.
UPDATE `customer_points` SET `next_expiry_at` = 0;