CREATE TABLE "chain_transactions" (
	"store_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" bigint NOT NULL,
	"total" bigint NOT NULL,
	"store_customer_id" text,
	"line_count" integer NOT NULL,
	CONSTRAINT "chain_transactions_store_id_id_pk" PRIMARY KEY("store_id","id")
);
--> statement-breakpoint
CREATE TABLE "store_changes" (
	"store_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"fact" jsonb NOT NULL,
	"received_at" bigint NOT NULL,
	"skew_flagged" boolean DEFAULT false NOT NULL,
	CONSTRAINT "store_changes_store_id_seq_pk" PRIMARY KEY("store_id","seq")
);
--> statement-breakpoint
CREATE TABLE "stores" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"credential_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	"revoked_at" bigint,
	"cursor" bigint DEFAULT 0 NOT NULL,
	"last_push_at" bigint,
	"clock_skew_ms" integer
);
--> statement-breakpoint
CREATE INDEX "chain_transactions_customer" ON "chain_transactions" USING btree ("store_id","store_customer_id") WHERE "chain_transactions"."store_customer_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "stores_credential" ON "stores" USING btree ("credential_hash");