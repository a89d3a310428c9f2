import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { tableKey } from '../db/catalog.js';
import { findExactTable } from '../db/table-names.js';
import type { DbHandle } from '../db/connect.js';
import { selectRowsByKey } from '../sql/apply-session.js';
import { readUniqueIndexes, rowsSharingUniqueValues, type UniqueIndex } from '../db/unique-values.js';
import type { Catalog } from '../db/catalog-types.js';
import type { Alternative, Change, Evidence, LiveMeeting } from '../changeset/changeset.js';
import { comparisonKey } from '../values/normalize.js';
import { keyGeneratorOf } from '../changeset/key-refs.js';
import { columnRecord, hasOwn, own } from '../values/own.js';
import { liveBatchSize } from './live-batch-size.js';

type Row = Record<string, string | null>;

/** How a live value is cited beside the sources' evidence. */
export const LIVE_SOURCE = '(live database)';

/**
 * A change as the live target sees it: what to write (or nothing), and how children
 * find the row (a row the live app created again is found under its live key).
 */
export interface Revised {
  change?: Change;
  /** The row as children's lookups should see it, when it is not `change` itself. */
  forChildren?: Change;
  /** The key the sources proved, when the row is written under a new one instead (rekeyed). */
  rekeyedFrom?: Record<string, string>;
}

/** Keys per query: an IN list of a thousand keys plans fast. */
const BATCH = 1000;

/**
 * Three-way reconcile's second view: the live target, which the app restarted from the
 * backup has kept writing to. Each change reconcile made against the backup is
 * checked against the live row it would write: a key the live app reused for another
 * row, a row it created again (found by any unique index, partial and expression ones
 * as PostgreSQL defines them), a value it changed since the restart, a row it deleted.
 * Read only, inside the snapshot the caller opened.
 */
export class LiveTable {
  private readonly columns: Map<string, CatalogColumn>;
  private readonly stored: CatalogColumn[];
  /** Changes to send per call of revise (live-batch-size.ts). */
  readonly batchSize: number;

  constructor(
    private readonly db: DbHandle,
    private readonly table: CatalogTable,
    private readonly indexes: UniqueIndex[],
    private readonly rekey: ReadonlySet<string>,
    roundTripMs = 0,
  ) {
    this.columns = new Map(table.columns.map((c) => [c.name, c]));
    this.stored = table.columns.filter((c) => !c.generated);
    this.batchSize = liveBatchSize(roundTripMs);
  }

  static async open(db: DbHandle, catalog: Catalog, backupTable: CatalogTable, rekey: ReadonlySet<string> = new Set(), roundTripMs = 0): Promise<LiveTable | undefined> {
    const table = findExactTable(catalog, backupTable.schema, backupTable.name);
    if (!table) return undefined;
    return new LiveTable(db, table, await readUniqueIndexes(db.client, table), rekey, roundTripMs);
  }

  /** Each change of a batch, revised against the live rows it meets. */
  async revise(changes: Change[]): Promise<Revised[]> {
    const byKey = await this.rowsByKey(changes.filter((c) => (c.kind === 'update' || c.kind === 'insert') && Object.keys(c.key).length > 0));
    const inserts = changes.filter((c) => c.kind === 'insert');
    const natural = await this.naturalMatches(inserts);
    return changes.map((change) => {
      if (change.kind === 'update') return this.reviseUpdate(change, byKey.get(this.keyText(change.key)));
      if (change.kind !== 'insert') return { change };
      const matches = natural.get(change) ?? [];
      const sameKey = Object.keys(change.key).length ? byKey.get(this.keyText(change.key)) : undefined;
      if (sameKey) {
        // The live app wrote a row under the key the sources prove: the same row only if a unique key agrees.
        const same = matches.find((m) => this.keyText(this.keyOf(m)) === this.keyText(this.keyOf(sameKey)));
        if (same) return this.fill(change, same);
        // A row that is nothing but its key (appointment_treatments (appointment_id, code)) is the same row.
        if (this.keyIsTheRow()) return this.fill(change, sameKey);
        return this.rekey.has(change.id) ? this.rekeyed(change, sameKey) : { change: this.keyReused(change, sameKey) };
      }
      const distinct = [...new Map(matches.map((m) => [this.keyText(this.keyOf(m)), m])).values()];
      if (distinct.length === 0) return { change };
      if (distinct.length > 1) {
        const rows = distinct.map((m) => this.label(this.keyOf(m))).join(' and ');
        return { change: { ...change, kind: 'unrecoverable', reason: 'ambiguous-match', detail: `its unique values match several rows the live database has now (${rows}); fix the data or the match keys` } };
      }
      return this.fill(change, distinct[0] as Row);
    });
  }

  /** Every stored column is part of the primary key: a key is the whole row, and no live writer can give it to another. */
  private keyIsTheRow(): boolean {
    return this.table.primaryKey.length > 0 && this.stored.every((c) => this.table.primaryKey.includes(c.name));
  }

  /** An update of a backup row: the live app may have changed or deleted it since the restart. */
  private reviseUpdate(change: Change, live: Row | undefined): Revised {
    if (!live) {
      return { change: { ...change, kind: 'unrecoverable', reason: 'deleted-live', detail: 'the live database no longer has this row: it was deleted after the restart, and salvage does not bring it back' } };
    }
    const values = columnRecord<string | null>();
    const old = columnRecord<string | null>();
    const evidence = columnRecord<Evidence[]>();
    const conflicts = columnRecord<Alternative[]>();
    const notes: string[] = [];
    for (const [column, value] of Object.entries(change.values)) {
      const meta = this.columns.get(column);
      const now = live[column] ?? null;
      const before = own(change.old, column) ?? null;
      if (!meta || this.same(meta, now, before)) {
        values[column] = value;
        old[column] = before;
        evidence[column] = own(change.evidence, column) ?? [];
      } else if (!this.same(meta, now, value)) {
        conflicts[column] = [{ value, evidence: own(change.evidence, column) ?? [] }, { value: now, evidence: [this.liveEvidence(change.key)] }];
        // Decided, the update is guarded by the live value, not the backup's.
        old[column] = now;
        notes.push(`${column}: the backup had ${show(before)}; the live app changed it to ${show(now)} after the restart`);
      }
      // Otherwise the live app already wrote the recovered value: nothing to do.
    }
    const shown = { key: change.key, values: pick(live, Object.keys(change.values)), why: 'changed-live' as LiveMeeting };
    if (Object.keys(conflicts).length) {
      return { change: { ...change, kind: 'conflict', values, old, evidence, conflicts, live: shown, notes: [...(change.notes ?? []), ...notes] } };
    }
    if (Object.keys(values).length === 0) return {};
    return { change: { ...change, values, old, evidence } };
  }

  /**
   * A lost row that is a row the live app created again (a returning customer): it is
   * that row. Recovered values fill only what the live row left empty; a value that
   * differs from a live one is a conflict, shown beside it. Never a second row, never
   * an overwritten live value.
   */
  private fill(change: Change, live: Row & { index?: string }): Revised {
    // The columns of the index it was found by agree by that index's meaning (lower(email)): the live spelling stays.
    const matchedOn = this.indexColumns(live.index);
    const key = this.keyOf(live);
    const id = `${tableKey(this.table)}#${this.table.primaryKey.map((c) => key[c]).join(',')}`;
    const values = columnRecord<string | null>();
    const old = columnRecord<string | null>();
    const evidence = columnRecord<Evidence[]>();
    const conflicts = columnRecord<Alternative[]>();
    const notes: string[] = [`the live database created this row again after the restart (${this.label(key)}); recovered values only fill what it left empty`];
    for (const [column, value] of Object.entries(change.values)) {
      if (this.table.primaryKey.includes(column)) {
        if (value !== null && value !== key[column]) notes.push(`the sources give ${column} = ${value}; the live row is ${this.label(key)}`);
        continue;
      }
      const meta = this.columns.get(column);
      const now = live[column] ?? null;
      if (!meta || value === null || this.same(meta, now, value) || (now !== null && matchedOn.has(column))) continue;
      if (now === null) {
        values[column] = value;
        old[column] = null;
        evidence[column] = own(change.evidence, column) ?? [];
      } else {
        conflicts[column] = [{ value, evidence: own(change.evidence, column) ?? [] }, { value: now, evidence: [this.liveEvidence(key)] }];
        old[column] = now;
      }
    }
    for (const column of Object.keys(change.keyRefs ?? {})) {
      if (!this.table.primaryKey.includes(column)) notes.push(`not filled: ${column} would point at ${own(change.keyRefs, column)}, a row inserted by this patch; set it after the apply if it should`);
    }
    const forChildren: Change = { id, table: change.table, kind: 'update', key, values: { ...change.values, ...key }, evidence: {} };
    const shown = { key, values: pick(live, Object.keys(change.values)), why: 'natural-key' as LiveMeeting };
    const base = { id, table: change.table, key, values, old, evidence, live: shown, notes: [...(change.notes ?? []), ...notes], ...(change.confidence ? { confidence: change.confidence } : {}) };
    if (Object.keys(conflicts).length) return { change: { ...base, kind: 'conflict', conflicts }, forChildren };
    if (Object.keys(values).length === 0) return { forChildren };
    return { change: { ...base, kind: 'update' }, forChildren };
  }

  /** The columns a unique index's key parts name (`lower(email)` names email): its identifiers, as PostgreSQL reads them. */
  private indexColumns(name: string | undefined): Set<string> {
    const index = this.indexes.find((i) => i.name === name);
    const words = index?.parts.join(' ').match(/"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*/g) ?? [];
    const identifiers = new Set(words.map((w) => (w.startsWith('"') ? w.slice(1, -1).replaceAll('""', '"') : w.toLowerCase())));
    return new Set([...this.columns.keys()].filter((c) => identifiers.has(c)));
  }

  /** The sources prove a key the live app has since given to a different row. */
  private keyReused(change: Change, live: Row): Change {
    const key = this.keyOf(live);
    return {
      ...change,
      kind: 'conflict',
      conflicts: {},
      live: { key, values: pick(live, Object.keys(change.values)), why: 'key-reused' },
      notes: [
        ...(change.notes ?? []),
        `key reused by the live database: ${this.label(key)} is a different row there now. Keep the live row and skip this one (reject it), or write this one under a new key the target makes (decisions.yaml: rekey)`,
      ],
    };
  }

  /** A person decided: the lost row goes in under a new key the target makes; its children follow (held-parents.ts). */
  private rekeyed(change: Change, live: Row): Revised {
    const generated = keyGeneratorOf(this.table);
    if (!generated) {
      const conflict = this.keyReused(change, live);
      return { change: { ...conflict, notes: [...(conflict.notes ?? []), 'cannot rekey: the target makes no keys for this table (no sequence, no uuid default)'] } };
    }
    const id = `${change.id}~new-key`;
    const values = { ...change.values };
    delete values[generated.column];
    const defaulted = change.defaulted?.filter((c) => c !== generated.column);
    return {
      change: {
        ...change,
        id,
        key: {},
        values,
        keyRefs: { ...change.keyRefs, [generated.column]: id },
        ...(defaulted ? { defaulted } : {}),
        notes: [...(change.notes ?? []), `rekeyed (decisions.yaml): ${this.label(change.key)} is a different row in the live database; this row gets a new key the target makes, and the rows that point at it follow`],
      },
      rekeyedFrom: change.key,
    };
  }

  private async rowsByKey(changes: Change[]): Promise<Map<string, Row>> {
    const out = new Map<string, Row>();
    const pk = this.table.primaryKey;
    if (pk.length === 0) return out;
    const keys = changes.map((c) => pk.map((col) => own(c.key, col) ?? null));
    const names = this.stored.map((c) => c.name);
    for (let i = 0; i < keys.length; i += BATCH) {
      const result = await this.db.client.query<Row>(selectRowsByKey(this.table, names, pk, keys.slice(i, i + BATCH), false));
      for (const row of result.rows) out.set(this.keyText(this.keyOf(row)), row);
    }
    return out;
  }

  /** For each insert, the live rows that share one of its unique values (each index's own meaning). */
  private async naturalMatches(inserts: Change[]): Promise<Map<Change, Array<Row & { index: string }>>> {
    const rows = inserts.map((change) => change.values);
    const found = await rowsSharingUniqueValues(this.db.client, this.table, this.indexes, rows);
    return new Map([...found].map(([at, list]) => [inserts[at] as Change, list]));
  }

  private keyOf(row: Row): Record<string, string> {
    return Object.fromEntries(this.table.primaryKey.map((c) => [c, row[c] ?? '']));
  }

  private keyText(key: Record<string, string>): string {
    return this.table.primaryKey.map((c) => comparisonKey(this.columns.get(c) as CatalogColumn, own(key, c) ?? null)).join('\u0001');
  }

  private label(key: Record<string, string>): string {
    return `${tableKey(this.table)}#${this.table.primaryKey.map((c) => key[c]).join(',')}`;
  }

  private liveEvidence(key: Record<string, string>): Evidence {
    const label = this.label(key);
    return { source: LIVE_SOURCE, record: label, ref: `live:${label}`, rule: LIVE_SOURCE };
  }

  private same(meta: CatalogColumn, a: string | null, b: string | null): boolean {
    return a === b || comparisonKey(meta, a) === comparisonKey(meta, b);
  }
}

function pick(row: Row, columns: string[]): Record<string, string | null> {
  const out = columnRecord<string | null>();
  for (const c of columns) if (hasOwn(row, c)) out[c] = row[c] ?? null;
  return out;
}

function show(value: string | null): string {
  return value === null ? 'NULL' : JSON.stringify(value);
}
