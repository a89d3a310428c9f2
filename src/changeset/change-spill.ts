import { rmSync } from 'node:fs';
import { TextSpill } from '../runtime/text-spill.js';

/**
 * The changes of a run as JSON text in a file beside the changeset, each readable back
 * by its ordinal. A recovery from a backup months old is mostly new rows: changes held
 * as objects cost several times their text, held here they take a few bytes each
 * in memory. Read back in the order of change ids, which mostly follows the records.
 */
export class ChangeSpill extends TextSpill {
  private readonly besides = new Set<string>();
  private made = 0;

  /** A new file beside the spill for work on its changes (their order by id), removed with it. */
  fileBeside(purpose: string): string {
    const file = `${this.file}.${purpose}-${this.made++}`;
    this.besides.add(file);
    return file;
  }

  override remove(): void {
    super.remove();
    for (const file of this.besides) rmSync(file, { force: true });
    this.besides.clear();
  }
}
