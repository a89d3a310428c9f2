export const HTML_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content and quoted attribute values: inert whatever it holds. */
export function htmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITY[c] ?? c);
}
