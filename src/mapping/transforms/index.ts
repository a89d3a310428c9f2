/**
 * The transform library of the mapping language: named steps that turn a source field
 * into a column value (`[trim, lower]`, `{ decimal: { scale: 2 } }`, ...).
 */
export { TransformError, type TransformSpec, type TransformStep, type Value } from './core.js';
export { TRANSFORMS, parseTransformStep, runTransforms } from './registry.js';
