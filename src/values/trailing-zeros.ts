/**
 * `text` without its trailing zeros: what `text.replace(/0+$/, '')` gives, in one pass
 * from the end. That expression is tried at every zero of the text and scans each run of
 * zeros to its end, which is quadratic in a long run of zeros not at the end.
 */
export function withoutTrailingZeros(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  return end === text.length ? text : text.slice(0, end);
}
