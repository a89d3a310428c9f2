/**
 * Redacts the password of every `scheme://user:password@` in a text, in one pass.
 *
 * It does exactly what the regular expression
 * `/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s/]+@/gi` with a replacement of the password
 * would, but in linear time: JavaScript's backtracking engine runs that expression in
 * time quadratic in the length of a value without whitespace, and every report and log line passes through here. It looks only
 * at the places that hold `://`, and no character is scanned more than a few times.
 */
export function redactUrlPasswords(text: string, marker: string): string {
  let out = '';
  let copied = 0; // text before this index is already in `out`
  let from = 0; // where the expression would resume looking for the next match
  for (let at = text.indexOf('://', from); at >= 0; at = text.indexOf('://', from)) {
    const scheme = schemeStart(text, at, from);
    if (scheme < 0) {
      from = at + 1;
      continue;
    }
    let i = at + 3;
    const userStart = i;
    while (i < text.length && !USER_STOP.has(text.charCodeAt(i)) && !isSpace(text.charCodeAt(i))) i++;
    if (i === userStart || text[i] !== ':') {
      from = at + 1;
      continue;
    }
    const passwordStart = ++i;
    while (i < text.length && !PASSWORD_STOP.has(text.charCodeAt(i)) && !isSpace(text.charCodeAt(i))) i++;
    if (i === passwordStart || text[i] !== '@') {
      from = at + 1;
      continue;
    }
    out += text.slice(copied, passwordStart) + marker + '@';
    copied = from = i + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Where the leftmost match ending in the `://` at `at` starts: the first letter of the
 * run of scheme characters before it (not before `floor`), or -1 if the run holds none.
 */
function schemeStart(text: string, at: number, floor: number): number {
  let start = at;
  while (start > floor && isSchemeChar(text.charCodeAt(start - 1))) start--;
  for (; start < at; start++) if (isLetter(text.charCodeAt(start))) return start;
  return -1;
}

const code = (c: string) => c.charCodeAt(0);
const USER_STOP = new Set([code(':'), code('/'), code('@')]);
const PASSWORD_STOP = new Set([code('@'), code('/')]);

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isSchemeChar(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d;
}

/** JavaScript's `\s`: the same characters, so the one-pass scan stops where the expression did. */
function isSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
