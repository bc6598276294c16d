CREATE TABLE "profile_fields" (
	"global_id" text NOT NULL,
	"field" text NOT NULL,
	"value" text NOT NULL,
	"hlc" text NOT NULL,
	"store_id" text NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "profile_fields_global_id_field_pk" PRIMARY KEY("global_id","field")
);
