/**
 * What to do about drift depends on the direction. Before apply, the changeset is stale:
 * make it again. Before undo, rows were changed after the patch wrote them: undo only
 * removes what still holds the patch's values, and a new patch would not help.
 */
export function driftAdvice(which: 'patch' | 'undo'): string {
  if (which === 'patch') return 'Re-run "salvage reconcile" and "salvage patch" against the current state, review, and apply again.';
  return (
    'Undo reverses only rows that still hold what the patch wrote, so it stops rather than overwrite these later changes. ' +
    'Decide for each listed row whether the later change should stay; put back by hand the rows undo should reverse ' +
    '(the patch\'s values are in patch.sql), or leave them and reverse the rest by hand from undo.sql. Running reconcile and patch again will not help.'
  );
}
