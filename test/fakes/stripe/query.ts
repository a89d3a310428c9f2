/**
 * Decodes Stripe's form-encoded query strings into nested values, the way Stripe
 * reads them: `created[gte]=1` is `{ created: { gte: '1' } }`, and `expand[]=a`,
 * `expand[0]=a` are both `{ expand: ['a'] }` (the SDK sends the indexed form).
 */
export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };

export class QueryError extends Error {}

export function decodeQuery(search: string): Record<string, QueryValue> {
  const root: Record<string, QueryValue> = {};
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  for (const [rawKey, value] of params) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!match) throw new QueryError(`Invalid parameter name: ${rawKey}`);
    const path = [match[1] as string, ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] as string)];
    assign(root, path, value, rawKey);
  }
  return root;
}

function assign(container: Record<string, QueryValue> | QueryValue[], path: string[], value: string, rawKey: string): void {
  const [head, ...rest] = path as [string, ...string[]];
  const isArray = Array.isArray(container);
  if (isArray && !(head === '' || /^\d+$/.test(head))) throw new QueryError(`Invalid array parameter: ${rawKey}`);
  const key: string | number = isArray ? (head === '' ? container.length : Number(head)) : head;
  if (rest.length === 0) {
    (container as Record<string | number, QueryValue>)[key] = value;
    return;
  }
  const nextIsArray = rest[0] === '' || /^\d+$/.test(rest[0] as string);
  let child = (container as Record<string | number, QueryValue | undefined>)[key];
  if (child === undefined) {
    child = nextIsArray ? [] : {};
    (container as Record<string | number, QueryValue>)[key] = child;
  }
  if (typeof child === 'string') throw new QueryError(`Invalid parameter: ${rawKey} mixes a value and a hash`);
  assign(child, rest, value, rawKey);
}
