/*
 * A survey answer being typed, per action, in sessionStorage: it outlives a return to sign-in (an expired
 * session, the idle lock) and goes with the tab.
 */
const key = (actionId: string) => `clerk.draft.${actionId}`;

export function surveyDraft(actionId: string): string {
  return sessionStorage.getItem(key(actionId)) ?? '';
}

export function saveSurveyDraft(actionId: string, text: string): void {
  if (text) sessionStorage.setItem(key(actionId), text);
  else sessionStorage.removeItem(key(actionId));
}
