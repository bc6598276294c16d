/** The profile columns of `customers` a clerk, a POS source or a merge may set. */
export const PROFILE_COLUMNS = ['name', 'birthday', 'gender', 'consent_sms', 'consent_email', 'consent_push', 'consent_call'] as const;
export type ProfileColumn = (typeof PROFILE_COLUMNS)[number];
export type ProfileValues = Partial<Record<ProfileColumn, string | number | null>>;

/** What a merge may take from the merged customer into the survivor's gaps (and an unmerge give back). */
export const MERGED_FIELDS = [...PROFILE_COLUMNS, 'registered_at'] as const;
export type MergedField = (typeof MERGED_FIELDS)[number];

export const isMergedField = (f: unknown): f is MergedField => typeof f === 'string' && (MERGED_FIELDS as readonly string[]).includes(f);
