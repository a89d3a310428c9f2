import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDecisions } from '../../src/decide/apply-decisions.js';
import { decisionId } from '../../src/decide/conflict-decision.js';
import { loadDecisions } from '../../src/decide/load.js';
import { review } from '../../src/decide/review.js';
import { CHANGESET_FORMAT, type Change, type Changeset } from '../../src/changeset/changeset.js';
import { viewOfChangeset } from '../../src/report/changeset-view.js';
import { buildReportData } from '../../src/report/html-data.js';
import { markdownLines, renderMarkdown } from '../../src/report/markdown.js';
import { decisionsSchema } from '../../src/decide/schema.js';
import { textLines } from '../../src/report/text.js';
import { tempJobDir } from '../support/flow.js';
import { decisionsPath } from '../../src/runtime/job-paths.js';
import { writeChangeset } from '../../src/changeset/write-changeset.js';

// Every form of id reconcile makes: a key (a uuid, a composite key, a key holding text that
// YAML reads otherwise), and a natural identity (`@column=value`, `@record=ref`).
const IDS = [
  'clinic.patients#055c792a-4d3e-4b7a-9a51-2f0c6c1d8e17',
  'public.bookings#1042',
  'public.order_lines#17,3',
  'public.customers@email=ann@example.org',
  "public.customers@name=O'Brien \"the\" one",
  'public.notes#a: b',
  'public.notes@title=x #1',
  'public.notes@title=edge ',
  'public.Order Items#5,1',
  'public.payments@record=stripe:ch_1',
  'public.tags#[x]',
  'public.t@v=-',
];

const ev = (source: string) => [{ source, record: 'r', ref: `${source}:r`, rule: `${source}.yaml#r` }];

function conflict(id: string): Change {
  const table = id.slice(0, id.search(/[#@]/));
  return {
    id,
    table,
    kind: 'conflict',
    key: {},
    values: {},
    evidence: {},
    conflicts: { status: [{ value: 'a', evidence: ev('calendar') }, { value: 'b', evidence: ev('stripe') }] },
  };
}

function changeset(changes: Change[]): Changeset {
  return {
    format: CHANGESET_FORMAT,
    createdAt: '2026-05-01T00:00:00Z',
    window: { from: '', to: '', since: '' },
    backup: { database: 'b', describe: 'b' },
    tables: [],
    sources: [],
    changes,
    unmapped: [],
    failures: { count: 0, samples: [] },
  };
}

/** The id each conflict's line in the text diff says to write in decisions.yaml. */
function hintsOf(text: string): string[] {
  return [...text.matchAll(/^ {4}decision: open; decide with salvage review, or in decisions\.yaml under resolve: or reject: as (.*)$/gm)].map((m) => m[1] as string);
}

describe('every id diff prints can be decided', () => {
  const all = changeset(IDS.map(conflict));

  it('text, Markdown and HTML say the same id to write, quoted only when YAML needs it', () => {
    const text = [...textLines(viewOfChangeset(all))].join('\n');
    const hints = hintsOf(text);
    expect(hints).toHaveLength(IDS.length);
    expect([hints[0], hints[1], hints[3]]).toEqual([IDS[0], IDS[1], IDS[3]]);
    // A comma would split the id in a flow list (`reject: [a#1,2]`): quoted.
    expect(hints[2]).toBe('"public.order_lines#17,3"');
    expect(hints[5]).toBe('"public.notes#a: b"');
    expect(hints[7]).toBe('"public.notes@title=edge "');
    const html = buildReportData(all).changes.map((c) => c.decision);
    const md = renderMarkdown(all);
    for (const [i, id] of IDS.entries()) {
      expect(html[i], id).toBe(`decision: open; decide with salvage review, or in decisions.yaml under resolve: or reject: as ${decisionId(id)}`);
      expect(md).toContain(`**decision: open; decide with salvage review, or in decisions.yaml under resolve: or reject: as `);
    }
  });

  it('pasted into decisions.yaml (as a list item and as a resolve key) each decides its conflict', async () => {
    const hints = hintsOf([...textLines(viewOfChangeset(all))].join('\n'));
    const dir = await tempJobDir('decision-ids');
    const rejected = hints.filter((_, i) => i % 2 === 0);
    const resolved = hints.filter((_, i) => i % 2 === 1);
    await writeFile(
      decisionsPath(dir),
      ['reject:', ...rejected.map((h) => `  - ${h}`), 'resolve:', ...resolved.map((h) => `  ${h}:\n    status: { source: stripe }`), ''].join('\n'),
    );
    const decided = applyDecisions(all, (await loadDecisions(dir)).decisions);
    expect(decided.stale).toEqual([]);
    expect(decided.problems).toEqual([]);
    expect(decided.withheld).toMatchObject({ rejected: rejected.length, undecidedConflicts: 0 });
    expect(decided.accepted.map((c) => c.id)).toEqual(IDS.filter((_, i) => i % 2 === 1));
    expect(decided.accepted.every((c) => c.values.status === 'b')).toBe(true);
  });

  it('salvage review writes every id so that it reads back as itself', async () => {
    const dir = await tempJobDir('decision-ids-review');
    await writeChangeset(path.join(dir, 'changeset.json'), all);
    let n = 0;
    // Reject every other conflict, pick the first value for the rest.
    await review({ jobDir: dir, ask: async () => (n++ % 2 === 0 ? 'r' : '1'), print: () => undefined });
    const decided = applyDecisions(all, (await loadDecisions(dir)).decisions);
    expect(decided.stale).toEqual([]);
    expect(decided.withheld).toMatchObject({ rejected: Math.ceil(IDS.length / 2), undecidedConflicts: 0 });
    expect(decided.accepted).toHaveLength(Math.floor(IDS.length / 2));
  });

  it('text, Markdown and HTML show a decided and a rejected conflict as such', () => {
    const decisions = decisionsSchema.parse({ reject: [IDS[0]], resolve: { [IDS[1] as string]: { status: { source: 'stripe' } }, [IDS[2] as string]: { status: { value: "O'Brien" } } } });
    const view = viewOfChangeset(all, decisions);
    const text = [...textLines(view)].join('\n');
    const md = [...markdownLines(view)].join('\n');
    const html = buildReportData(all).changes;
    expect(html[0]?.decision).toMatch(/^decision: open/); // buildReportData reads no decisions
    const expected = [
      'decision: rejected in decisions.yaml (the row is not written; rows that depend on it are unrecoverable)',
      'decision: decided, status = "b" (source stripe)',
      'decision: decided, status = "O\'Brien" (written in decisions.yaml)',
    ];
    for (const line of expected) {
      expect(text).toContain(`    ${line}`);
      expect(md).toContain(`**${line}**`);
    }
  });

  it('a conflict with no value to choose (a key the live database reused) can be rejected, by hand or in review', async () => {
    const reused: Change = { ...conflict('public.bookings#77'), conflicts: {}, notes: ['key reused by the live database: id 77 is a different row there now'] };
    const text = [...textLines(viewOfChangeset(changeset([reused])))].join('\n');
    expect(text).toContain('    decision: open; no value to choose (see the note): in decisions.yaml, reject public.bookings#77 to keep the row the database has, or list it under rekey: to write it under a new key the target makes; or run salvage review');
    const dir = await tempJobDir('decision-ids-reused');
    await writeChangeset(path.join(dir, 'changeset.json'), changeset([reused]));
    const printed: string[] = [];
    const result = await review({ jobDir: dir, ask: async () => 'r', print: (line) => printed.push(line) });
    expect(result).toMatchObject({ rejected: 1, resolved: 0 });
    expect(printed).toContain('    key reused by the live database: id 77 is a different row there now');
    const decided = applyDecisions(changeset([reused]), (await loadDecisions(dir)).decisions);
    expect(decided).toMatchObject({ stale: [], withheld: { rejected: 1, undecidedConflicts: 0 }, accepted: [] });
    // Or written under a new key: review lists it under rekey: for reconcile.
    const other = await tempJobDir('decision-ids-rekey');
    await writeChangeset(path.join(other, 'changeset.json'), changeset([reused]));
    expect(await review({ jobDir: other, ask: async () => 'k', print: () => undefined })).toMatchObject({ resolved: 1, rejected: 0 });
    expect((await loadDecisions(other)).decisions.rekey).toEqual(['public.bookings#77']);
  });

  it('a reject of a conflict is used, and an accept without a value for each column says what is missing', () => {
    const [first, second] = IDS.map(conflict);
    const decided = applyDecisions(changeset([first as Change, second as Change]), decisionsSchema.parse({ accept: [IDS[1]], reject: [IDS[0]] }));
    expect(decided.stale).toEqual([]);
    expect(decided.withheld).toMatchObject({ rejected: 1, undecidedConflicts: 1 });
    expect(decided.problems).toEqual([`accept ${IDS[1]}: a conflict is written once each disputed column (status) has a value: add it under resolve:, or run salvage review`]);
  });
});
