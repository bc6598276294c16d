import * as z from 'zod';

/** GET /health: the database answered; `time` is the appliance clock as an ISO instant. */
export const healthSchema = z.object({ status: z.literal('ok'), store_id: z.string(), time: z.string() });
export type Health = z.infer<typeof healthSchema>;
