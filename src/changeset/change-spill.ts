import { TextSpill } from '../runtime/text-spill.js';

/**
 * The changes of a run as JSON text in a file beside the changeset, each readable back
 * by its ordinal. A recovery from a backup months old is mostly new rows: changes held
 * as objects cost several times their text, held here they take a few bytes each
 * in memory. Read back in the order of change ids, which mostly follows the records.
 */
export class ChangeSpill extends TextSpill {}
