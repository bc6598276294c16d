ALTER TABLE "chain_transactions" ADD COLUMN "tax" bigint;--> statement-breakpoint
ALTER TABLE "chain_transactions" ADD COLUMN "tax_included" integer;