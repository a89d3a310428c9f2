import { z } from 'zod';

/**
 * The raw shape of a mapping file, before paths, regexes and transforms are
 * compiled. See docs/mapping-language.md for the prose version.
 */
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const conditionOps = z.strictObject({
  equals: scalar.optional(),
  not_equals: scalar.optional(),
  in: z.array(scalar).min(1).optional(),
  not_in: z.array(scalar).min(1).optional(),
  matches: z.string().optional(),
  exists: z.boolean().optional(),
  gt: z.union([z.number(), z.string()]).optional(),
  gte: z.union([z.number(), z.string()]).optional(),
  lt: z.union([z.number(), z.string()]).optional(),
  lte: z.union([z.number(), z.string()]).optional(),
});
export const rawCondition = z.union([scalar, conditionOps]);
export type RawCondition = z.infer<typeof rawCondition>;

const fromPaths = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const singleLookup = z.strictObject({
  table: z.string().min(1),
  by: z.string().min(1),
  optional: z.boolean().optional(),
});

/** One column of a lookup by several: how its value is made (a one-column lookup at most: no lookups of lookups of lookups). */
const rawLookupPart = z.union([
  z.string().min(1),
  z.strictObject({
    from: fromPaths.optional(),
    value: scalar.optional(),
    transform: z.array(z.unknown()).optional(),
    lookup: singleLookup.optional(),
    default: scalar.optional(),
  }),
]);
export type RawLookupPart = z.infer<typeof rawLookupPart>;

/** A member of a built JSON object: a path, a column-like spec, or a nested `json:` object. */
export type RawJsonMember =
  | string
  | { from?: string | string[]; value?: string | number | boolean | null; transform?: unknown[]; default?: string | number | boolean | null; json?: Record<string, RawJsonMember> };
const rawJsonMember: z.ZodType<RawJsonMember> = z.lazy(() =>
  z.union([
    z.string().min(1),
    z.strictObject({
      from: fromPaths.optional(),
      value: scalar.optional(),
      transform: z.array(z.unknown()).optional(),
      default: scalar.optional(),
      json: rawJsonObject.optional(),
    }),
  ]),
);
const rawJsonObject: z.ZodType<Record<string, RawJsonMember>> = z.lazy(() =>
  z.record(z.string(), rawJsonMember).refine((m) => Object.keys(m).length > 0, 'a JSON object needs at least one member'),
);

export const rawColumnSpec = z.union([
  z.string().min(1),
  z.strictObject({
    /** Builds a JSON object (for json/jsonb columns), members in the order written. */
    json: rawJsonObject.optional(),
    from: fromPaths.optional(),
    value: scalar.optional(),
    transform: z.array(z.unknown()).optional(),
    lookup: z
      .strictObject({
        table: z.string().min(1),
        /** One parent column (the value is the rule's `from`), or a map of parent columns to how each value is made. */
        by: z.union([z.string().min(1), z.record(z.string().min(1), rawLookupPart)]),
        optional: z.boolean().optional(),
      })
      .optional(),
    default: scalar.optional(),
  }),
]);
export type RawColumnSpec = z.infer<typeof rawColumnSpec>;

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const rawRule = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'rule names may use letters, digits, ".", "-" and "_"'),
  source: stringOrList.optional(),
  type: stringOrList.optional(),
  /** Field conditions and any/all/not blocks; checked, with each mistake's line, by when.ts. */
  when: z.record(z.string(), z.unknown()).optional(),
  extract: z
    .array(
      z.strictObject({
        from: z.string().min(1),
        pattern: z.string().min(1),
        flags: z.string().regex(/^[imsu]*$/, 'flags may be any of i, m, s, u').optional(),
        optional: z.boolean().optional(),
      }),
    )
    .optional(),
  /** One candidate per element of a list: a text split by `split`, or an array; `$item` (or `$<as>`) is the element. */
  each: z
    .strictObject({
      from: z.string().min(1),
      split: z.string().optional(),
      as: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name of letters, digits and _').optional(),
    })
    .optional(),
  columns: z.record(z.string(), rawColumnSpec).refine((c) => Object.keys(c).length > 0, 'a rule must set at least one column'),
});
export type RawRule = z.infer<typeof rawRule>;

export const mergePolicyName = z.enum(['earliest', 'latest', 'max', 'min']);
export const rawMergePolicy = z.union([mergePolicyName, z.strictObject({ prefer: z.array(z.string().min(1)).min(1) })]);

export const rawTableMapping = z.strictObject({
  table: z.string().min(1),
  match: z.array(z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).min(1).optional(),
  prefer: z.array(z.string().min(1)).optional(),
  merge: z.record(z.string(), rawMergePolicy).optional(),
  keep_existing: z.array(z.string().min(1)).optional(),
  rules: z.array(rawRule).min(1, 'a mapping needs at least one rule'),
});
export type RawTableMapping = z.infer<typeof rawTableMapping>;
