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

export const rawColumnSpec = z.union([
  z.string().min(1),
  z.strictObject({
    from: fromPaths.optional(),
    value: scalar.optional(),
    transform: z.array(z.unknown()).optional(),
    lookup: z
      .strictObject({
        table: z.string().min(1),
        by: z.string().min(1),
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
