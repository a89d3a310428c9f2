import type { PatchRow } from './patch-row.js';

/** The comment above a row of the patch: its change id and the records (and rules) it comes from. */
export function provenance(row: PatchRow): string {
  const refs = new Map<string, Set<string>>();
  for (const [, rule, ref] of row.origins) {
    const rules = refs.get(ref) ?? new Set<string>();
    rules.add(rule);
    refs.set(ref, rules);
  }
  const cited = [...refs].map(([ref, rules]) => `${ref} (${[...rules].join(', ')})`);
  const shown = cited.slice(0, 4).join('; ');
  return `${row.id} <- ${shown}${cited.length > 4 ? `; +${cited.length - 4} more in changeset.json` : ''}`;
}
