import { RE2JS } from 're2js';

/**
 * Regular expressions written in mappings (`matches`, `extract`, `replace`).
 *
 * They run on RE2 (re2js, pure JavaScript), not on JavaScript's backtracking RegExp: a
 * pattern like `(a+)+$` takes time linear in the input instead of 2^n, so one hostile
 * value in one export cannot hang a recovery. The price is RE2's syntax: no lookaround
 * and no backreferences, which load reports as a mapping error with the position.
 */
export interface Pattern {
  readonly source: string;
  /** True when the pattern matches anywhere in the text. */
  test(text: string): boolean;
  /** Named captures of the first match, or undefined when nothing matches. */
  captures(text: string): Record<string, string | undefined> | undefined;
  /** Every match replaced; `with` may use $1, $<name>, $& and $$. */
  replaceAll(text: string, replacement: string): string;
}

const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  u: 0, // RE2 always matches code points
};

export function compilePattern(source: string, flags = ''): Pattern | { error: string } {
  let bits = 0;
  for (const flag of flags) {
    const bit = FLAG_BITS[flag];
    if (bit === undefined) return { error: `unknown flag "${flag}" (use i, m, s)` };
    bits |= bit;
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, bits);
  } catch (error) {
    const message = (error as Error).message.replace(/^error parsing regexp: /, '');
    const hint = /unsupported Perl syntax|invalid escape sequence: `\\\d/.test(message)
      ? ' (patterns run on RE2, which never backtracks: lookahead, lookbehind and backreferences are not available)'
      : '';
    return { error: `${message}${hint}` };
  }
  return {
    source,
    test: (text) => compiled.test(text),
    captures(text) {
      const match = compiled.exec(text);
      if (!match) return undefined;
      const groups = (match as unknown as { groups?: Record<string, string | undefined> }).groups;
      const out = Object.create(null) as Record<string, string | undefined>;
      for (const [name, value] of Object.entries(groups ?? {})) out[name] = value;
      return out;
    },
    replaceAll: (text, replacement) => compiled.matcher(text).replaceAll(replacement),
  };
}

/** The names of `(?<name>...)` / `(?P<name>...)` groups in a pattern, in order. */
export function captureNames(source: string): string[] {
  return [...source.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1] as string);
}
