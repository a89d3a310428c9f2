import { TransformError, parseTransformStep, runTransforms, type TransformStep, type Value } from '../../src/mapping/transforms/index.js';

/**
 * Transform steps as a mapping's YAML would give them, parsed and run the way a rule runs
 * them: a step that does not parse fails the test loudly, naming the step.
 */
export function steps(...raw: unknown[]): TransformStep[] {
  return raw.map((r) => {
    const parsed = parseTransformStep(r);
    if (!parsed.ok) throw new Error(`step ${JSON.stringify(r)} did not parse: ${parsed.problems.join('; ')}`);
    return parsed.step;
  });
}

export function run(value: Value, ...raw: unknown[]): Value {
  return runTransforms(value, steps(...raw));
}

/** The TransformError message a chain produces (and fails the test if it succeeds). */
export function failure(value: Value, ...raw: unknown[]): string {
  try {
    const out = run(value, ...raw);
    throw new Error(`expected a TransformError, got ${JSON.stringify(out)}`);
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    return e.message;
  }
}

/** The problems a step that must not parse is refused with. */
export function problems(raw: unknown): string[] {
  const parsed = parseTransformStep(raw);
  if (parsed.ok) throw new Error(`expected problems for ${JSON.stringify(raw)}`);
  return parsed.problems;
}
