import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseDocument, YAMLSeq } from 'yaml';
import { readChangeset } from '../changeset/read-changeset.js';
import { own } from '../values/own.js';
import { applyDecisions } from './apply-decisions.js';
import { askUntilUnderstood } from './ask-until-understood.js';
import { loadDecisions } from './load.js';
import { changesetPath, decisionsPath } from '../runtime/job-paths.js';

export interface ReviewOptions {
  jobDir: string;
  /** Asks one question and returns the answer (a terminal prompt, or a script in tests). */
  ask: (question: string) => Promise<string>;
  print: (line: string) => void;
}

export interface ReviewResult {
  resolved: number;
  rejected: number;
  skipped: number;
  remaining: number;
}

const HEADER = `# Decisions about the changeset (salvage review writes here; edit by hand too).
# default: accept   -> inserts and updates are written unless rejected
# default: review   -> only what is accepted is written
# accept / reject: change ids (public.bookings#1042), or { table: ... }, { rule: file#rule }, { kind: insert|update }
# resolve: change id -> column -> { value: ... } or { source: <source name> }
# rekey: change ids of rows whose key the live database reused: written under a new key
`;

/**
 * Walks the conflicts nobody has settled yet, one question each: pick a value
 * (by number), reject the row, skip, or quit. Every answer is written to
 * decisions.yaml at once, so quitting half way loses nothing.
 */
export async function review(options: ReviewOptions): Promise<ReviewResult> {
  const { changeset } = await readChangeset(changesetPath(options.jobDir));
  const loaded = await loadDecisions(options.jobDir);
  const decided = (id: string) => loaded.decisions.reject.includes(id) || loaded.decisions.accept.includes(id) || loaded.decisions.rekey.includes(id);
  const open = changeset.changes.filter((c) => c.kind === 'conflict' && !own(loaded.decisions.resolve, c.id) && !decided(c.id));
  // Uncertain matches: below the accept threshold of decisions.yaml, waiting for a person.
  const gate = loaded.decisions.confidence.accept;
  const uncertain = changeset.changes.filter(
    (c) => (c.kind === 'insert' || c.kind === 'update') && gate !== undefined && (c.confidence?.score ?? 1) < gate && !decided(c.id),
  );
  const result: ReviewResult = { resolved: 0, rejected: 0, skipped: 0, remaining: open.length + uncertain.length };
  if (result.remaining === 0) {
    options.print('no open conflicts or uncertain matches: nothing to review');
    return result;
  }
  const file = decisionsPath(options.jobDir);
  const doc = parseDocument(existsSync(file) ? await readFile(file, 'utf8') : HEADER);
  const save = async () => {
    await writeFile(`${file}.partial`, doc.toString(), 'utf8');
    await rename(`${file}.partial`, file);
  };

  for (const [n, change] of open.entries()) {
    options.print(`\n[${n + 1}/${open.length}] ${change.id}: sources disagree`);
    for (const [column, value] of Object.entries(change.values)) options.print(`    ${column} = ${JSON.stringify(value)} (agreed)`);
    const picks: Array<{ column: string; value: string | null; sources: string[] }> = [];
    let quit = false;
    let rejected = false;
    if (Object.keys(change.conflicts ?? {}).length === 0) {
      // No value to choose (a key the live database gave another row): keep what the database has, or not yet.
      for (const note of change.notes ?? []) options.print(`    ${note}`);
      const answer = (await options.ask('  r to reject it (keep the row the database has), k to write it under a new key the target makes, s to skip, q to quit: ')).trim().toLowerCase();
      if (answer === 'q') break;
      if (answer === 'k') {
        const list = doc.get('rekey');
        if (list instanceof YAMLSeq) list.add(change.id);
        else doc.set('rekey', [change.id]);
        result.resolved++;
        result.remaining--;
        await save();
        continue;
      }
      if (answer !== 'r') {
        result.skipped++;
        continue;
      }
      rejected = true;
    }
    for (const [column, alternatives] of Object.entries(change.conflicts ?? {})) {
      const before = own(change.old, column);
      options.print(`  ${column}${before !== undefined ? ` (the backup has ${JSON.stringify(before)})` : ''}:`);
      alternatives.forEach((a, i) => {
        const refs = [...new Set(a.evidence.map((e) => `${e.source} ${e.ref}`))].slice(0, 3).join(', ');
        options.print(`    ${i + 1}) ${JSON.stringify(a.value)}  <- ${refs}`);
      });
      const answer = await askUntilUnderstood(
        options.ask,
        options.print,
        `  ${column}: 1-${alternatives.length} to choose, r to reject the row, s to skip, q to quit: `,
        (a) => ['r', 's', 'q'].includes(a) || (/^[0-9]+$/.test(a) && alternatives[Number(a) - 1] !== undefined),
      );
      const index = Number(answer) - 1;
      if (answer === 'q') quit = true;
      else if (answer === 'r') rejected = true;
      else if (Number.isInteger(index) && alternatives[index]) {
        const chosen = alternatives[index];
        picks.push({ column, value: chosen?.value ?? null, sources: [...new Set(chosen?.evidence.map((e) => e.source))] });
        continue;
      }
      break;
    }
    if (quit) break;
    if (rejected) {
      const list = doc.get('reject');
      if (list instanceof YAMLSeq) list.add(change.id);
      else doc.set('reject', [change.id]);
      result.rejected++;
    } else if (picks.length === Object.keys(change.conflicts ?? {}).length) {
      for (const p of picks) doc.setIn(['resolve', change.id, p.column], { value: p.value });
      result.resolved++;
    } else {
      result.skipped++;
      continue;
    }
    result.remaining--;
    await save();
  }
  for (const [n, change] of uncertain.entries()) {
    options.print(`\n[${n + 1}/${uncertain.length}] ${change.id}: ${change.kind}, confidence ${change.confidence?.score} (below ${gate})`);
    for (const reason of change.confidence?.reasons ?? []) options.print(`    ${reason}`);
    for (const [column, value] of Object.entries(change.values)) {
      const before = own(change.old, column);
      options.print(`    ${column}: ${before !== undefined ? `${JSON.stringify(before)} -> ` : ''}${JSON.stringify(value)}`);
    }
    const answer = await askUntilUnderstood(options.ask, options.print, '  a to accept, r to reject, s to skip, q to quit: ', (a) => ['a', 'r', 's', 'q'].includes(a));
    if (answer === 'q') break;
    if (answer !== 'a' && answer !== 'r') {
      result.skipped++;
      continue;
    }
    const key = answer === 'a' ? 'accept' : 'reject';
    const list = doc.get(key);
    if (list instanceof YAMLSeq) list.add(change.id);
    else doc.set(key, [change.id]);
    if (answer === 'a') result.resolved++;
    else result.rejected++;
    result.remaining--;
    await save();
  }
  // What the patch will now do with these decisions.
  const after = applyDecisions(changeset, (await loadDecisions(options.jobDir)).decisions);
  options.print(`\n${result.resolved} resolved, ${result.rejected} rejected, ${result.skipped} skipped; ${after.withheld.undecidedConflicts} conflicts still open. Run "salvage reconcile" again (the rows that depend on a decided conflict follow it), then "salvage patch".`);
  return result;
}
