-- Custom: fills the two columns 0021 added, for merges and links made before it (`cli rebuild` derives them exactly from the facts).
-- Direct survivor unknown for older merges: the final survivor stands in for it.
UPDATE `customers` SET `absorbed_into` = `merged_into` WHERE `merged_into` IS NOT NULL;--> statement-breakpoint
UPDATE `identity_links` SET `linked_for` = l.rid FROM (
  SELECT json_extract(data, '$.kind') AS k, json_extract(data, '$.value') AS v, recorded_customer_id AS rid,
         row_number() OVER (PARTITION BY json_extract(data, '$.kind'), json_extract(data, '$.value') ORDER BY at DESC, id DESC) AS rn
  FROM `customer_events` WHERE kind = 'identifier_linked'
) AS l WHERE l.rn = 1 AND l.k = `identity_links`.`kind` AND l.v = `identity_links`.`value`;
