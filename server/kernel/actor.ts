/** Who did something, as recorded in the customer events it wrote: the staff member signed in on the tablet, and the token used. */
export interface Actor {
  staff_id: string | null;
  token_id: string;
}
