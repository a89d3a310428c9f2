import type { StatementEntry, StatementKind } from './manifest.js';

/** Accumulates SQL text and remembers the line range of each statement for the manifest. */
export class SqlFileBuilder {
  private readonly lines: string[] = [];
  readonly statements: StatementEntry[] = [];

  raw(text: string): void {
    this.lines.push(...text.split('\n'));
  }

  statement(kind: StatementKind, table: string, text: string, expectedRows: number): void {
    const startLine = this.lines.length + 1;
    this.raw(text);
    this.statements.push({ kind, table, startLine, endLine: this.lines.length, expectedRows });
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
