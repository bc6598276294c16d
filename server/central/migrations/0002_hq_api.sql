CREATE TABLE "central_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	"revoked_at" bigint
);
--> statement-breakpoint
ALTER TABLE "global_customers" ADD COLUMN "updated_at" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Customers central had before: last changed when central first saw them, as far as it can tell.
UPDATE "global_customers" SET "updated_at" = "created_at";--> statement-breakpoint
CREATE UNIQUE INDEX "central_tokens_hash" ON "central_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "global_customers_updated" ON "global_customers" USING btree ("updated_at","global_id");