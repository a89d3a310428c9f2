import { describe, expect, it } from 'vitest';
import { applyDecisions } from '../../src/decide/apply-decisions.js';
import { decisionsSchema } from '../../src/decide/schema.js';
import { buildPatch } from '../../src/patch/patch.js';
import { CHANGESET_FORMAT, type Change, type Changeset } from '../../src/changeset/changeset.js';
import { tempJobDir } from '../support/flow.js';

const ev = (source: string, rule = `${source}.yaml#r`) => [{ source, record: 'r', ref: `${source}:r`, rule }];

function changeset(changes: Change[]): Changeset {
  return {
    format: CHANGESET_FORMAT,
    createdAt: '2026-05-01T00:00:00Z',
    window: { from: '', to: '', since: '' },
    backup: { database: 'b', describe: 'b' },
    tables: [
      {
        table: 'public.bookings',
        schema: 'public',
        name: 'bookings',
        primaryKey: ['id'],
        columns: { id: 'bigint', status: 'text', total: 'numeric(10,2)' },
        counts: { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 },
      },
    ],
    sources: [],
    changes,
    unmapped: [],
    failures: { count: 0, samples: [] },
  };
}

const conflictOnExisting: Change = {
  id: 'public.bookings#1',
  table: 'public.bookings',
  kind: 'conflict',
  key: { id: '1' },
  values: { total: '95.00' },
  old: { total: '90.00', status: 'confirmed' },
  evidence: { total: ev('payments') },
  conflicts: { status: [{ value: 'cancelled', evidence: ev('calendar') }, { value: 'confirmed', evidence: ev('payments') }] },
};
const conflictOnNew: Change = {
  id: 'public.bookings#7',
  table: 'public.bookings',
  kind: 'conflict',
  key: { id: '7' },
  values: { id: '7', total: '10.00' },
  evidence: { total: ev('payments') },
  conflicts: { status: [{ value: 'cancelled', evidence: ev('calendar') }, { value: 'confirmed', evidence: ev('payments') }] },
};
const insert: Change = { id: 'public.bookings#8', table: 'public.bookings', kind: 'insert', key: { id: '8' }, values: { id: '8', status: 'confirmed', total: '1.00' }, evidence: { status: ev('calendar', 'bookings.yaml#calendar-event') } };
const update: Change = { id: 'public.bookings#2', table: 'public.bookings', kind: 'update', key: { id: '2' }, values: { status: 'cancelled' }, old: { status: 'confirmed' }, evidence: { status: ev('calendar') } };
const lost: Change = { id: 'public.bookings@reference=X', table: 'public.bookings', kind: 'unrecoverable', key: {}, values: {}, evidence: {}, reason: 'missing-required', detail: 'x' };
const all = changeset([conflictOnExisting, conflictOnNew, insert, update, lost]);
const decide = (raw: unknown) => applyDecisions(all, decisionsSchema.parse(raw));

describe('decisions', () => {
  it('without decisions: inserts and updates go, conflicts and unrecoverable rows wait', () => {
    const d = decide({});
    expect(d.accepted.map((c) => c.id)).toEqual(['public.bookings#8', 'public.bookings#2']);
    expect(d.withheld).toEqual({ undecidedConflicts: 2, rejected: 0, notAccepted: 0, unrecoverable: 1 });
  });

  it('a resolved conflict becomes the update or insert it describes, with the reviewer as evidence', () => {
    const d = decide({ resolve: { 'public.bookings#1': { status: { source: 'calendar' } }, 'public.bookings#7': { status: { value: 'confirmed' } } } });
    const byId = Object.fromEntries(d.accepted.map((c) => [c.id, c]));
    expect(byId['public.bookings#1']).toMatchObject({ kind: 'update', values: { total: '95.00', status: 'cancelled' }, old: { total: '90.00', status: 'confirmed' } });
    expect(byId['public.bookings#1']?.evidence.status?.[0]?.source).toBe('calendar');
    expect(byId['public.bookings#7']).toMatchObject({ kind: 'insert', values: { id: '7', total: '10.00', status: 'confirmed' } });
    expect(byId['public.bookings#7']?.evidence.status?.[0]).toMatchObject({ source: 'decisions.yaml', rule: 'a reviewer' });
    expect(d.withheld.undecidedConflicts).toBe(0);
  });

  it('rejects by id, table or rule; review mode writes only what is accepted; stale entries are listed', () => {
    expect(decide({ reject: ['public.bookings#2'] }).accepted.map((c) => c.id)).toEqual(['public.bookings#8']);
    expect(decide({ reject: [{ rule: 'bookings.yaml#calendar-event' }] }).accepted.map((c) => c.id)).toEqual(['public.bookings#2']);
    expect(decide({ reject: [{ table: 'bookings' }] }).accepted).toEqual([]);
    const review = decide({ default: 'review', accept: [{ kind: 'insert' }] });
    expect(review.accepted.map((c) => c.id)).toEqual(['public.bookings#8']);
    expect(review.withheld.notAccepted).toBe(1);
    expect(decide({ reject: ['public.bookings#99'], resolve: { 'public.bookings#98': { status: { value: 'x' } } } }).stale).toEqual([
      'public.bookings#99 matches no change',
      'resolve public.bookings#98: no conflict with that id in this changeset',
    ]);
  });

  it('gates on the confidence score: below reject is rejected, below accept waits for review', () => {
    const scored = changeset([
      { ...insert, confidence: { score: 0.6, reasons: ['a new row; its key comes from the sequence', 'only calendar says so'] } },
      { ...update, confidence: { score: 0.9, reasons: ['matched the backup row by its primary key (id)'] } },
      { ...insert, id: 'public.bookings#9', key: { id: '9' }, confidence: { score: 0.3, reasons: ['x'] } },
    ]);
    const d = applyDecisions(scored, decisionsSchema.parse({ confidence: { accept: 0.8, reject: 0.5 } }));
    expect(d.accepted.map((c) => c.id)).toEqual(['public.bookings#2']);
    expect(d.withheld).toMatchObject({ rejected: 1, notAccepted: 1 });
    const reviewed = applyDecisions(scored, decisionsSchema.parse({ confidence: { accept: 0.8, reject: 0.5 }, accept: ['public.bookings#8'] }));
    expect(reviewed.accepted.map((c) => c.id)).toEqual(['public.bookings#8', 'public.bookings#2']);
  });

  it('an undecided conflict never reaches patch.sql', () => {
    const built = buildPatch(all, 'ab'.repeat(32), decide({}));
    expect(built.patchSql).not.toContain("('1',");
    expect(built.patchSql).not.toContain("('7',");
    expect(built.manifest.withheld).toEqual({ conflict: 2, unrecoverable: 1, rejected: 0, notAccepted: 0 });
    const decided = buildPatch(all, 'ab'.repeat(32), decide({ resolve: { 'public.bookings#1': { status: { value: 'cancelled' } } } }));
    expect(decided.patchSql).toContain("('1', 'cancelled', '95.00', 'confirmed', '90.00')");
  });
});

describe('salvage review', async () => {
  const { review } = await import('../../src/decide/review.js');
  const { writeChangeset } = await import('../../src/changeset/write-changeset.js');
  const { loadDecisions } = await import('../../src/decide/load.js');
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');

  it('walks open conflicts and writes each answer to decisions.yaml; a re-run asks only what is left', async () => {
    const job = await tempJobDir('review');
    await writeChangeset(path.join(job, 'changeset.json'), all);
    const answers = ['2', 'r'];
    const printed: string[] = [];
    const first = await review({ jobDir: job, ask: async () => answers.shift() ?? 'q', print: (l) => printed.push(l) });
    expect(first).toEqual({ resolved: 1, rejected: 1, skipped: 0, remaining: 0 });
    expect(printed.join('\n')).toContain('status (the backup has "confirmed"):');
    const { decisions } = await loadDecisions(job);
    expect(decisions.resolve).toEqual({ 'public.bookings#1': { status: { value: 'confirmed' } } });
    expect(decisions.reject).toEqual(['public.bookings#7']);
    expect(await readFile(path.join(job, 'decisions.yaml'), 'utf8')).toMatch(/^# Decisions about the changeset/);
    const again = await review({ jobDir: job, ask: async () => 'q', print: () => undefined });
    expect(again.remaining).toBe(0);
  });

  it('asks again on an answer it does not understand, instead of taking it as a skip', async () => {
    const job = await tempJobDir('review-garbled');
    await writeChangeset(path.join(job, 'changeset.json'), all);
    const answers = ['x', '9', '', '0', '2', 'r'];
    const asked: string[] = [];
    const printed: string[] = [];
    const result = await review({
      jobDir: job,
      ask: async (question) => {
        asked.push(question);
        return answers.shift() ?? 'q';
      },
      print: (l) => printed.push(l),
    });
    expect(result).toEqual({ resolved: 1, rejected: 1, skipped: 0, remaining: 0 });
    expect(asked).toHaveLength(6);
    expect(printed).toContain('  "x" is not one of the answers; status: 1-2 to choose, r to reject the row, s to skip, q to quit');
    expect(printed).toContain('  "9" is not one of the answers; status: 1-2 to choose, r to reject the row, s to skip, q to quit');
    expect(printed).toContain('  no answer; status: 1-2 to choose, r to reject the row, s to skip, q to quit');
    expect((await loadDecisions(job)).decisions.resolve).toEqual({ 'public.bookings#1': { status: { value: 'confirmed' } } });

    const uncertainJob = await tempJobDir('review-garbled-uncertain');
    await writeChangeset(path.join(uncertainJob, 'changeset.json'), changeset([{ ...insert, confidence: { score: 0.6, reasons: [] } }]));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(uncertainJob, 'decisions.yaml'), 'confidence: { accept: 0.8 }\n');
    const replies = ['yes', 'r'];
    const rejected = await review({ jobDir: uncertainJob, ask: async () => replies.shift() ?? 'q', print: () => undefined });
    expect(rejected).toMatchObject({ rejected: 1, skipped: 0, remaining: 0 });
  });

  it('also walks uncertain matches below the accept threshold', async () => {
    const job = await tempJobDir('review-uncertain');
    const scored = changeset([{ ...insert, confidence: { score: 0.6, reasons: ['only calendar says so'] } }, { ...update, confidence: { score: 0.95, reasons: [] } }]);
    await writeChangeset(path.join(job, 'changeset.json'), scored);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(job, 'decisions.yaml'), 'confidence: { accept: 0.8 }\n');
    const printed: string[] = [];
    const result = await review({ jobDir: job, ask: async () => 'a', print: (l) => printed.push(l) });
    expect(result).toMatchObject({ resolved: 1, remaining: 0 });
    expect(printed.join('\n')).toContain('public.bookings#8: insert, confidence 0.6 (below 0.8)');
    expect((await loadDecisions(job)).decisions.accept).toEqual(['public.bookings#8']);
  });
});

describe('reading changeset.json back', async () => {
  const { writeChangeset } = await import('../../src/changeset/write-changeset.js');
  const { readChangeset } = await import('../../src/changeset/read-changeset.js');
  const { readFile, writeFile } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const path = await import('node:path');
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('reads what reconcile wrote, one change per line, and a hand-edited pretty-printed file alike, with the sha256 of its bytes', async () => {
    const job = await tempJobDir('changeset-read');
    const file = path.join(job, 'changeset.json');
    await writeChangeset(file, all);
    const asWritten = await readChangeset(file);
    expect(asWritten.changeset).toEqual(JSON.parse(await readFile(file, 'utf8')));
    expect(asWritten.changeset.changes).toHaveLength(all.changes.length);
    expect(asWritten.sha256).toBe(sha(await readFile(file)));

    await writeFile(file, JSON.stringify(all, null, 2));
    const pretty = await readChangeset(file);
    expect(pretty.changeset).toEqual(JSON.parse(JSON.stringify(all)));
    expect(pretty.sha256).toBe(sha(await readFile(file)));

    await writeFile(file, (await readFile(file, 'utf8')).slice(0, -3));
    await expect(readChangeset(file)).rejects.toThrow(/changeset\.json is not valid JSON \(.*\); run "salvage reconcile" again to rewrite it/);
  });
});
