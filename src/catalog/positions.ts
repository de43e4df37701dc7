/**
 * Where an item goes when staff move it: one step up or down among its siblings, or to a place
 * counted from 1. Pure; the move use cases write the new places (1..n) of the rows that changed.
 */

export type MoveTo = 'up' | 'down' | { position: number };

/**
 * The sibling ids in their new order, or `{ max }` when the position is outside 1..n. Moving the
 * first up or the last down changes nothing.
 */
export function reorder(ids: number[], id: number, to: MoveTo): number[] | { max: number } {
  const from = ids.indexOf(id);
  if (from < 0) return ids;
  let target: number;
  if (to === 'up') target = Math.max(0, from - 1);
  else if (to === 'down') target = Math.min(ids.length - 1, from + 1);
  else {
    if (!Number.isSafeInteger(to.position) || to.position < 1 || to.position > ids.length)
      return { max: ids.length };
    target = to.position - 1;
  }
  const rest = ids.filter((x) => x !== id);
  rest.splice(target, 0, id);
  return rest;
}
