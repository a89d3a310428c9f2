import type { Change } from '../changeset/changeset.js';

/** The comment above a row of the patch: its change id and the records (and rules) it comes from. */
export function provenance(change: Change): string {
  const refs = new Map<string, Set<string>>();
  for (const list of Object.values(change.evidence)) {
    for (const e of list) {
      const rules = refs.get(e.ref) ?? new Set<string>();
      rules.add(e.rule);
      refs.set(e.ref, rules);
    }
  }
  const cited = [...refs].map(([ref, rules]) => `${ref} (${[...rules].join(', ')})`);
  const shown = cited.slice(0, 4).join('; ');
  return `${change.id} <- ${shown}${cited.length > 4 ? `; +${cited.length - 4} more in changeset.json` : ''}`;
}
