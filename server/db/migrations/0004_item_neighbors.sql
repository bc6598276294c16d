CREATE TABLE `item_neighbors` (
	`sku` text NOT NULL,
	`neighbor` text NOT NULL,
	`score` real NOT NULL,
	`together` integer NOT NULL,
	PRIMARY KEY(`sku`, `neighbor`)
);
