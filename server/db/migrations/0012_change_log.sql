CREATE TABLE `change_log` (
	`seq` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `customer_events` ADD `recorded_customer_id` text;--> statement-breakpoint
ALTER TABLE `loyalty_ledger` ADD `recorded_customer_id` text;--> statement-breakpoint
ALTER TABLE `transactions` ADD `recorded_customer_id` text;--> statement-breakpoint
-- Facts written before the change log: who each was recorded for is who owns it now (merges rewrote it).
UPDATE `transactions` SET `recorded_customer_id` = `customer_id`;--> statement-breakpoint
UPDATE `loyalty_ledger` SET `recorded_customer_id` = `customer_id`;--> statement-breakpoint
UPDATE `customer_events` SET `recorded_customer_id` = `customer_id`;--> statement-breakpoint
-- Earlier events named the fields they changed but not the values: one snapshot per customer and one event
-- per live identifier carry today's values, so the customer view can be rebuilt from events from now on.
INSERT INTO `customer_events` (`id`, `customer_id`, `recorded_customer_id`, `kind`, `at`, `data`)
SELECT 'm12s-' || `id`, coalesce(`merged_into`, `id`), `id`, 'profile_snapshot', `updated_at`,
  json_object('store_id', `store_id`, 'created_at', `created_at`, 'registered_at', `registered_at`, 'merged_into', `merged_into`,
    'erased_at', `erased_at`, 'name', `name`, 'birthday', `birthday`, 'gender', `gender`,
    'consent', json_object('sms', `consent_sms`, 'email', `consent_email`, 'push', `consent_push`, 'call', `consent_call`))
FROM `customers`;--> statement-breakpoint
INSERT INTO `customer_events` (`id`, `customer_id`, `recorded_customer_id`, `kind`, `at`, `data`)
SELECT 'm12l-' || `kind` || ':' || `value`, `customer_id`, `customer_id`, 'identifier_linked', `created_at`,
  json_object('kind', `kind`, 'value', `value`)
FROM `identity_links`;--> statement-breakpoint
-- Every existing fact gets its number: events, then transactions, then ledger entries, then the snapshots.
INSERT INTO `change_log` (`kind`, `ref`)
SELECT 'event', `id` FROM `customer_events` WHERE `id` NOT LIKE 'm12_-%' ORDER BY `at`, `id`;--> statement-breakpoint
INSERT INTO `change_log` (`kind`, `ref`) SELECT 'transaction', `id` FROM `transactions` ORDER BY `received_at`, `id`;--> statement-breakpoint
INSERT INTO `change_log` (`kind`, `ref`) SELECT 'ledger', CAST(`id` AS TEXT) FROM `loyalty_ledger` ORDER BY `id`;--> statement-breakpoint
INSERT INTO `change_log` (`kind`, `ref`) SELECT 'event', `id` FROM `customer_events` WHERE `id` LIKE 'm12_-%' ORDER BY `id`;
