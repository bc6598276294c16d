CREATE TABLE "global_customers" (
	"global_id" text PRIMARY KEY NOT NULL,
	"created_at" bigint NOT NULL,
	"merged_into" text,
	"erased_at" bigint
);
--> statement-breakpoint
CREATE TABLE "global_identifiers" (
	"kind" text NOT NULL,
	"digest" text NOT NULL,
	"global_id" text NOT NULL,
	CONSTRAINT "global_identifiers_kind_digest_pk" PRIMARY KEY("kind","digest")
);
--> statement-breakpoint
CREATE TABLE "store_customers" (
	"store_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"global_id" text NOT NULL,
	CONSTRAINT "store_customers_store_id_customer_id_pk" PRIMARY KEY("store_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "store_outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "store_outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "global_identifiers_global" ON "global_identifiers" USING btree ("global_id");--> statement-breakpoint
CREATE INDEX "store_customers_global" ON "store_customers" USING btree ("global_id");--> statement-breakpoint
CREATE INDEX "store_outbox_store" ON "store_outbox" USING btree ("store_id","id");