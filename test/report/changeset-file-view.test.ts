/**
 * `salvage diff` renders from changeset.json on disk through an index (changeset-file-view.ts)
 * instead of the changeset in memory. Both must give the very same report, byte for byte,
 * in every format, for changesets that are large, hostile, empty or inconsistent, and for
 * files reconcile did not lay out (pretty-printed, CRLF).
 */
import { readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { Changeset } from '../../src/changeset/changeset.js';
import { readChangeset } from '../../src/changeset/read-changeset.js';
import { openChangesetView } from '../../src/report/changeset-file-view.js';
import { viewOfChangeset } from '../../src/report/changeset-view.js';
import { renderChangeset, renderPieces, type RenderOptions } from '../../src/report/render.js';
import { hostileChangeset as hostileReport, syntheticChangeset } from './fixtures.js';
import { hostileChangeset as hostileValues } from '../support/hostile-changeset.js';
import { tempJobDir } from '../support/flow.js';
import { writeChangeset } from '../../src/changeset/write-changeset.js';

/** A table the summary does not list still has its changes shown (a report never hides a change). */
function inconsistentChangeset(): Changeset {
  const changeset = syntheticChangeset({ changes: 60, tables: 3 });
  changeset.changes[5] = { ...(changeset.changes[5] as Changeset['changes'][number]), table: 'public.elsewhere' };
  changeset.changes[9] = { ...(changeset.changes[9] as Changeset['changes'][number]), table: 'public.elsewhere', kind: 'conflict' };
  return changeset;
}

const CHANGESETS: Record<string, () => Changeset> = {
  'hostile (report fixture)': hostileReport,
  'hostile (values)': hostileValues,
  'no changes': () => syntheticChangeset({ changes: 0 }),
  'one change': () => syntheticChangeset({ changes: 1 }),
  '1,000 changes in 4 tables': () => syntheticChangeset({ changes: 1000 }),
  inconsistent: inconsistentChangeset,
};

const VARIANTS: Array<[string, RenderOptions]> = [
  ['text', {}],
  ['text', { color: true }],
  ['text', { limit: 3 }],
  ['text', { limit: 0 }],
  ['md', {}],
  ['md', { limit: 3 }],
  ['html', {}],
  ['json', {}],
];

async function written(changeset: Changeset, name = 'changeset.json'): Promise<string> {
  const file = path.join(await tempJobDir('file-view'), name);
  await writeChangeset(file, changeset);
  return file;
}

async function renderedFromFile(file: string, format: string, options: RenderOptions): Promise<string> {
  const view = await openChangesetView(file);
  try {
    return [...renderPieces(view, format, options)].join('');
  } finally {
    view.close();
  }
}

/**
 * What the report must be: the changeset in memory rendered, except that the json form
 * is the file's own keys in the file's order (what `diff --format json` always gave).
 */
async function reference(file: string, changeset: Changeset, format: string, options: RenderOptions): Promise<string> {
  if (format !== 'json') return renderChangeset(changeset, format, options);
  return `${JSON.stringify((await readChangeset(file)).changeset, null, 2)}\n`;
}

describe('a report rendered from changeset.json on disk', () => {
  for (const [name, make] of Object.entries(CHANGESETS)) {
    it(`equals the report of the changeset in memory: ${name}`, async () => {
      const changeset = make();
      const file = await written(changeset);
      for (const [format, options] of VARIANTS) {
        expect(await renderedFromFile(file, format, options), `${format} ${JSON.stringify(options)}`).toBe(await reference(file, changeset, format, options));
      }
      const view = await openChangesetView(file);
      expect(view.size).toBe(changeset.changes.length);
      expect(view.summary()).toEqual(viewOfChangeset(changeset).summary());
      expect([...view.all()]).toEqual(changeset.changes);
      view.close();
    });
  }

  it('shows the changes of a table the summary lacks, in the text form too', async () => {
    const text = renderChangeset(inconsistentChangeset(), 'text');
    expect(text).toContain('== public.elsewhere');
    expect(text).toMatch(/^public\.elsewhere\s+0\s+0\s+0\s+1\s+1$/m);
  });

  it('reads a file reconcile did not lay out (pretty-printed, CRLF) whole, with the same report', async () => {
    const changeset = syntheticChangeset({ changes: 120, tables: 2 });
    const pretty = path.join(await tempJobDir('file-view'), 'changeset.json');
    await writeFile(pretty, JSON.stringify(changeset, null, 2));
    const crlf = await written(changeset, 'crlf.json');
    await writeFile(crlf, (await readFile(crlf, 'utf8')).replace(/\n/g, '\r\n'));
    for (const file of [pretty, crlf]) {
      for (const [format, options] of VARIANTS) expect(await renderedFromFile(file, format, options)).toBe(await reference(file, changeset, format, options));
    }
  });

  it('says which file is broken, or missing, and what to do', async () => {
    const file = await written(syntheticChangeset({ changes: 30 }));
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.splice(5, 0, '{"id": broken');
    await writeFile(file, lines.join('\n'));
    await expect(openChangesetView(file)).rejects.toThrow(UsageError);
    await expect(openChangesetView(file)).rejects.toThrow(`${file} is not valid JSON`);
    const missing = path.join(path.dirname(file), 'nothing-here.json');
    await expect(openChangesetView(missing)).rejects.toThrow(`no changeset at ${missing}: run "salvage reconcile" first`);
  });

  it('refuses to go on when the file changes under it', async () => {
    const file = await written(syntheticChangeset({ changes: 3000 }));
    const view = await openChangesetView(file);
    await truncate(file, 1000);
    expect(() => [...view.all()]).toThrow(`${file} changed while it was being read`);
    view.close();
  });
});

describe('the json format, written a piece at a time', () => {
  it('is exactly JSON.stringify(changeset, null, 2), key order included', () => {
    const unusual = { ...syntheticChangeset({ changes: 3 }), extra: undefined } as unknown as Changeset;
    const changesFirst = (({ changes, ...rest }) => ({ changes, ...rest }))(syntheticChangeset({ changes: 2 })) as Changeset;
    for (const changeset of [hostileReport(), hostileValues(), syntheticChangeset({ changes: 0 }), syntheticChangeset({ changes: 50 }), unusual, changesFirst]) {
      expect(renderChangeset(changeset, 'json')).toBe(`${JSON.stringify(changeset, null, 2)}\n`);
    }
  });
});
