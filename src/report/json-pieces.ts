import type { ChangesetView } from './changeset-view.js';

/**
 * `JSON.stringify(changeset, null, 2)` a piece at a time: the head's keys in the
 * changeset's order, and each change stringified on its own and indented to its depth,
 * so a changeset too large to be one string (V8 stops at about 512 MB) is still written.
 */
export function* jsonPieces(view: ChangesetView): Generator<string> {
  const head = view.head as Record<string, unknown>;
  const keys = view.keys.includes('changes') ? view.keys : [...view.keys, 'changes'];
  yield '{';
  let firstKey = true;
  for (const key of keys) {
    const value = key === 'changes' ? undefined : head[key];
    if (key !== 'changes' && (value === undefined || typeof value === 'function' || typeof value === 'symbol')) continue; // as JSON.stringify skips them
    yield `${firstKey ? '' : ','}\n  ${JSON.stringify(key)}: `;
    firstKey = false;
    if (key !== 'changes') {
      yield indent(JSON.stringify(value, null, 2), '  ');
      continue;
    }
    let first = true;
    for (const change of view.all()) {
      yield `${first ? '[' : ','}\n    ${indent(JSON.stringify(change, null, 2), '    ')}`;
      first = false;
    }
    yield first ? '[]' : '\n  ]';
  }
  yield firstKey ? '}' : '\n}';
}

function indent(json: string, by: string): string {
  return json.includes('\n') ? json.replace(/\n/g, `\n${by}`) : json;
}
