import { z } from 'zod';

/**
 * decisions.yaml: what reviewers decided about a changeset, kept apart from it so
 * that re-running reconcile keeps them. Changes are named by their stable id
 * (`public.bookings#1042`, as diff shows them).
 */
const selector = z.union([
  z.string().min(1),
  z.strictObject({ table: z.string().min(1) }),
  z.strictObject({ rule: z.string().min(1) }),
  z.strictObject({ kind: z.enum(['insert', 'update']) }),
]);
export type Selector = z.infer<typeof selector>;

const choice = z.union([
  z.strictObject({ value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
  z.strictObject({ source: z.string().min(1) }),
]);
export type Choice = z.infer<typeof choice>;

export const decisionsSchema = z.strictObject({
  /** accept: inserts and updates go into the patch unless rejected; review: only what is accepted does. */
  default: z.enum(['accept', 'review']).default('accept'),
  accept: z.array(selector).default([]),
  reject: z.array(selector).default([]),
  /**
   * Gates on salvage's confidence score: below `reject` a change is rejected, below
   * `accept` it waits for an explicit accept (needs review). Unset: no gate.
   */
  confidence: z.strictObject({ accept: z.number().min(0).max(1).optional(), reject: z.number().min(0).max(1).optional() }).default({}),
  /**
   * Rows whose key the sources prove but the live database gave to another row since
   * the restart (change ids, as diff shows them): write the lost row under a new key
   * the target makes, and the rows that point at it follow. Read by reconcile.
   */
  rekey: z.array(z.string().min(1)).default([]),
  /** Conflicts settled by a person: change id -> column -> the value to write, or the source to believe. */
  resolve: z.record(z.string(), z.record(z.string(), choice)).default({}),
});
export type Decisions = z.infer<typeof decisionsSchema>;
