/**
 * Characters that hide, reorder or fake text on screen: C0/C1 controls (but tab and
 * newlines, which are handled on their own), the soft hyphen, zero-width characters,
 * bidirectional overrides and isolates, the byte-order mark. A reviewer must see that
 * they are there, so the reports show them as `⟨U+202E⟩` instead.
 * Kept as a regex source so the HTML report's browser code uses the very same set.
 */
export const INVISIBLE_CHARS_SOURCE =
  '[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u00ad\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff]';

const INVISIBLE = new RegExp(INVISIBLE_CHARS_SOURCE, 'g');

export function codePointLabel(char: string): string {
  return `⟨U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/** Replaces invisible characters with a visible label and tabs with `⇥`; leaves newlines alone. */
export function showInvisibles(value: string): string {
  return value.replace(INVISIBLE, codePointLabel).replace(/\t/g, '⇥');
}

/**
 * Spaces at the start, and a run of spaces at the end that starts after a non-space: the
 * lookbehind keeps ` +$` from being tried (and failing) at every space of every run,
 * which is quadratic in a long run of spaces inside a value. The HTML report's browser
 * code uses the same source.
 */
export const EDGE_SPACES_SOURCE = '^ +|(?<! ) +$';
const EDGE_SPACES = new RegExp(EDGE_SPACES_SOURCE, 'g');

/** Leading and trailing spaces change a value but vanish on screen (and in Markdown table cells). */
export function markEdgeSpaces(value: string): string {
  return value.replace(EDGE_SPACES, (spaces) => '␠'.repeat(spaces.length));
}
