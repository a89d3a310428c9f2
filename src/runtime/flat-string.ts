/**
 * `text` as one flat string. A string built by concatenation (`${table}#${key}`) is
 * held by V8 as a tree of its pieces until something flattens it: twice the memory of
 * its characters and one more object for every collection to mark. Worth it for strings
 * kept by the million (each change's id until the changeset is written). JSON's round
 * trip keeps every code unit, lone surrogates included; Buffer's would not.
 */
export function flatString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
