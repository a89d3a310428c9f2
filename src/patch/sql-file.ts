import { createHash } from 'node:crypto';
import type { StatementEntry, StatementKind } from './manifest.js';

/**
 * Accumulates SQL text and remembers the line range of each statement for the manifest.
 * Text is kept in the pieces it came in and lines are only counted: a patch of a
 * million rows split into line strings cost several times its size.
 */
export class SqlFileBuilder {
  private readonly pieces: string[] = [];
  private readonly hash = createHash('sha256');
  private lineCount = 0;
  private stages = 0;
  readonly statements: StatementEntry[] = [];

  /**
   * `keepText: false` only hashes the pieces as they come: what proving a patch is the one a
   * changeset derives to needs, without holding a second copy of it.
   */
  constructor(private readonly keepText = true) {}

  raw(text: string): void {
    if (this.keepText) this.pieces.push(text);
    if (this.lineCount > 0) this.hash.update('\n');
    this.hash.update(text);
    this.lineCount += countNewlines(text) + 1;
  }

  statement(kind: StatementKind, table: string, text: string, expectedRows: number): void {
    const startLine = this.lineCount + 1;
    this.raw(text);
    this.statements.push({ kind, table, startLine, endLine: this.lineCount, expectedRows });
  }

  /** Numbers the file's staging tables 1, 2, 3... */
  nextStage(): number {
    return ++this.stages;
  }

  text(): string {
    if (!this.keepText) throw new Error('this SQL file was only hashed');
    return `${this.pieces.join('\n')}\n`;
  }

  /** sha256 of text(), once every piece is in. */
  sha256(): string {
    return this.hash.update('\n').digest('hex');
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
