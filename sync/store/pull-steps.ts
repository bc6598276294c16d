import type { ModelVersion, PullAnswer, PullItem } from '../protocol.ts';

/**
 * Applies a pull answer so that the cursor passes a 'model' item only once its set is in place: the items
 * before it are applied (with the cursor at the last of them), then the set is installed (`install`, outside
 * any local transaction: it downloads), then the cursor moves past the item. An install that fails throws
 * with the cursor still before the model item, so the next pull brings it again; what came before it is kept.
 */
export async function applyInSteps(answer: PullAnswer, apply: (answer: PullAnswer) => Promise<void>, install: (model: ModelVersion) => Promise<unknown>): Promise<void> {
  let pending: PullItem[] = [];
  for (const item of answer.items) {
    if (item.kind !== 'model') {
      pending.push(item);
      continue;
    }
    if (pending.length > 0) await apply({ items: pending, cursor: pending.at(-1)!.id });
    pending = [];
    await install(item.payload);
    await apply({ items: [item], cursor: item.id });
  }
  if (pending.length > 0 || answer.items.at(-1)?.id !== answer.cursor) await apply({ items: pending, cursor: answer.cursor });
}
