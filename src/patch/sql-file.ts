import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import type { StatementEntry, StatementKind } from './manifest.js';

/**
 * Where a SQL file's text goes: kept in memory (`text()`), written to an open file as it
 * comes (so a patch of a million rows is never held whole), or only hashed (what proving a
 * patch is the one a changeset derives to needs).
 */
export type SqlOutput = 'text' | 'hash' | { fd: number; path: string };

/**
 * Accumulates SQL text, its sha256, and the line range of each statement for the manifest.
 * Text is kept in the pieces it came in and lines are only counted: a patch of a
 * million rows split into line strings cost several times its size.
 */
export class SqlFileBuilder {
  private readonly pieces: string[] = [];
  private readonly hash = createHash('sha256');
  private lineCount = 0;
  private stages = 0;
  readonly statements: StatementEntry[] = [];

  constructor(private readonly output: SqlOutput = 'text') {}

  raw(text: string): void {
    if (this.lineCount > 0) this.emit('\n');
    this.emit(text);
    this.lineCount += countNewlines(text) + 1;
  }

  private emit(text: string): void {
    this.hash.update(text);
    if (this.output === 'text') this.pieces.push(text);
    else if (this.output !== 'hash') writeTo(this.output, text);
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

  /** Ends the file (its last newline) and returns its sha256; the text too when it was kept. */
  end(): { sha256: string; text: string } {
    this.emit('\n');
    const text = this.output === 'text' ? this.pieces.join('') : '';
    this.pieces.length = 0;
    return { sha256: this.hash.digest('hex'), text };
  }
}

/** A failed write() names no file; the message must say which one the disk refused. */
function writeTo(file: { fd: number; path: string }, text: string): void {
  try {
    writeSync(file.fd, text);
  } catch (error) {
    (error as NodeJS.ErrnoException).path ??= file.path;
    throw error;
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
