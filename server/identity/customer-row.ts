/** A row of `customers` as bun:sqlite returns it (snake_case columns; consent 1/0/null). */
export interface CustomerRow {
  id: string;
  store_id: string;
  created_at: number;
  updated_at: number;
  merged_into: string | null;
  registered_at: number | null;
  name: string | null;
  birthday: string | null;
  gender: string | null;
  consent_sms: number | null;
  consent_email: number | null;
  consent_push: number | null;
  consent_call: number | null;
  erased_at: number | null;
}
