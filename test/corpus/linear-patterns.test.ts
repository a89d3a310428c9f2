/**
 * Corpus, patterns over data: every regular expression a value meets on its way (pull,
 * mapping transforms, reconcile's value checks, the diff's rendering, redaction, init's
 * guesses) runs in time linear in the value. Each shape below made one of the patterns
 * that were rewritten work quadratically (a 1 MB value: minutes to hours); here each goes
 * through every path at 1 MB, and at 100 MB through the paths it used to hang. A pattern
 * that turned quadratic again would not finish within the test's timeout.
 *
 * The rewritten patterns must also mean what they meant: each is compared with the
 * expression it replaced on many short random texts.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvConnector } from '../../connectors/csv/connector.js';
import { redact } from '../../src/runtime/secrets.js';
import type { CatalogColumn } from '../../src/db/catalog-types.js';
import { textLabelFields } from '../../src/init/embedded-fields.js';
import * as shapes from '../../src/init/value-shapes.js';
import { comment } from '../../src/init/yaml-text.js';
import { TransformError } from '../../src/mapping/transforms/core.js';
import { TRANSFORMS } from '../../src/mapping/transforms/registry.js';
import { inexactFit } from '../../src/values/exact-fit.js';
import { canonicalDecimal, comparisonKey, toColumnText } from '../../src/values/normalize.js';
import { withoutTrailingZeros } from '../../src/values/trailing-zeros.js';
import { mdText, mdValue } from '../../src/report/markdown-escape.js';
import { markEdgeSpaces, showInvisibles } from '../../src/report/visible-text.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { seededRandom } from '../fakes/stripe/random.js';
import { testPullContext } from '../support/pull-context.js';
import { caseDir } from './support.js';
import { registerSecretPatterns } from '../../src/records/source-kind.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

// The shapes of Stripe keys and Google tokens come from their kinds, as the CLI registers them.
registerSecretPatterns(SOURCE_KINDS);

const MB = 1024 * 1024;

const column = (type: string, typeName: string): CatalogColumn => ({ name: 'c', type, typeName, notNull: false, default: null, identity: null, generated: false, position: 0 });
const COLUMNS: CatalogColumn[] = [
  column('numeric(12,2)', 'numeric'),
  column('numeric', 'numeric'),
  column('bigint', 'int8'),
  column('timestamp with time zone', 'timestamptz'),
  column('timestamp(3) without time zone', 'timestamp'),
  column('date', 'date'),
  column('uuid', 'uuid'),
  column('character varying(10)', 'varchar'),
  column('text', 'text'),
];

/** Every transform that takes no arguments, as a rule would write it bare. */
const BARE_TRANSFORMS = [...TRANSFORMS.values()].flatMap((spec) => {
  const args = spec.args.safeParse(undefined);
  return args.success ? [{ spec, args: args.data as unknown }] : [];
});

/** The paths a value takes, each a function of the value (a refusal with a reason is an answer too). */
const PATHS: Record<string, (value: string) => unknown> = {
  'mapping transforms': (value) => {
    for (const { spec, args } of BARE_TRANSFORMS) {
      try {
        spec.apply(value, args);
      } catch (error) {
        if (!(error instanceof TransformError)) throw error;
      }
    }
  },
  'reconcile value checks': (value) => {
    for (const c of COLUMNS) {
      toColumnText(c, value);
      comparisonKey(c, value);
      inexactFit(c, value);
    }
    canonicalDecimal(value);
  },
  'diff rendering': (value) => [markEdgeSpaces(value), showInvisibles(value), mdText(value), mdValue(value)],
  'secrets redaction': (value) => redact(value),
  'init guesses': (value) => {
    for (const shape of Object.values(shapes)) if (shape instanceof RegExp) shape.test(value);
    comment(value);
    labelLines(value);
  },
};

const numeric = column('numeric(12,2)', 'numeric');
const timestamptz = column('timestamp with time zone', 'timestamptz');
const labelLines = (value: string) => {
  const record = { source: 's', id: 'r', observedAt: '2026-04-26T08:00:00Z', data: { text: value } } as unknown as SourceRecord;
  return textLabelFields([record, record], 'text', (r) => (r.data as { text: string }).text);
};

/**
 * Values shaped against the patterns that used to backtrack, each with the step where one
 * did: at 100 MB that step alone runs (every path at 100 MB would spend its time building
 * the messages that quote the value, which says nothing about the patterns).
 */
const HOSTILE: Array<[string, (n: number) => string, (value: string) => unknown]> = [
  ['digits, then a letter', (n) => `${'1'.repeat(n)}x`, (v) => [toColumnText(numeric, v), inexactFit(numeric, v)]],
  ['a fraction of zeros, then a one, then a letter', (n) => `0.${'0'.repeat(n)}1x`, (v) => inexactFit(numeric, v)],
  ['a fraction of zeros, then a one', (n) => `0.${'0'.repeat(n)}1`, (v) => [inexactFit(numeric, v), canonicalDecimal(v)]],
  ['a date, then spaces, then a letter', (n) => `2026-01-20${' '.repeat(n)}x`, (v) => toColumnText(timestamptz, v)],
  ['spaces inside a value', (n) => `a${' '.repeat(n)}b`, (v) => [markEdgeSpaces(v), comment(v)]],
  ['a label line with spaces inside', (n) => `Item: x${' '.repeat(n)}y`, labelLines],
  ['dots after an @', (n) => `a@${'.'.repeat(n)} `, (v) => shapes.EMAIL.test(v)],
];

describe('corpus: patterns over data run in linear time', () => {
  it.each(HOSTILE)('%s: 1 MB through every path, 100 MB through the step it used to hang', { timeout: 120_000 }, (_shape, make, step) => {
    const small = make(MB);
    for (const run of Object.values(PATHS)) run(small);
    step(make(100 * MB));
  });

  // A 100 MB field through the CSV pull is huge-values territory (test/corpus/csv.test.ts streams gigabytes); here each shape at 1 MB.
  it('a pull reads a 1 MB field of each shape', { timeout: 120_000 }, async () => {
    const dir = await caseDir('linear-pull');
    const values = HOSTILE.map(([, make]) => make(MB));
    await writeFile(path.join(dir, 'export.csv'), `id,body\n${values.map((v, i) => `${i + 1},"${v}"`).join('\n')}\n`);
    const lengths: number[] = [];
    for await (const record of csvConnector({ files: ['export.csv'] }).pull(testPullContext('export', dir))) lengths.push(((record.data as { body: unknown }).body as string).length);
    expect(lengths).toEqual(values.map((v) => v.length));
  });
});

describe('the rewritten patterns match what the expressions they replaced matched', () => {
  const random = seededRandom(91);
  const textOf = (alphabet: string[], max: number) => {
    let text = '';
    for (let i = Math.floor(random() * max); i > 0; i--) text += alphabet[Math.floor(random() * alphabet.length)];
    return text;
  };
  const many = (alphabet: string[], check: (text: string) => void, max = 14) => {
    for (let n = 0; n < 20_000; n++) check(textOf(alphabet, max));
  };

  it('trailing zeros', () => many(['0', '1', '.', 'x'], (t) => expect(withoutTrailingZeros(t)).toBe(t.replace(/0+$/, ''))));

  it('the numeric checks of reconcile (a plain number, an exponent, the input PostgreSQL takes)', () => {
    const alphabet = ['0', '1', '5', '.', 'e', 'E', '+', '-', ' ', 'x'];
    const numeric = column('numeric(6,2)', 'numeric');
    const NUMBER_BEFORE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    const PLAIN_BEFORE = /^\s*[+-]?\d*\.?(\d*)\s*$/;
    const EXPONENT_BEFORE = /^[+-]?(\d*)\.?(\d*)[eE]([+-]?\d+)$/;
    many(alphabet, (t) => {
      const accepted = toColumnText(column('numeric', 'numeric'), t).ok;
      expect(accepted, JSON.stringify(t)).toBe(NUMBER_BEFORE.test(t.trim()) || t.trim() === 'NaN');
      // The fraction as the old expressions read it: a plain number's digits after the point, or an exponent form's.
      const plain = PLAIN_BEFORE.exec(t);
      const exponent = EXPONENT_BEFORE.exec(t.trim());
      const before = plain ? (t.includes('.') ? (plain[1] ?? '') : '') : exponent ? 'exp' : undefined;
      if (before !== undefined && before !== 'exp') {
        const kept = before.replace(/0+$/, '');
        expect(inexactFit(numeric, t) !== undefined, JSON.stringify(t)).toBe(kept.length > 2);
      }
    });
  });

  it('timestamps with spaces and zones', () => {
    const TS_BEFORE = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i;
    const TS_AFTER = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?\s*$/i;
    const stems = ['2026-01-20', '2026-01-20 10:30', '2026-01-20T10:30:05.5'];
    many([' ', 'Z', '+', '01', ':', '00', 'x', '\t'], (t) => {
      const text = `${stems[Math.floor(random() * stems.length)]}${t}`;
      expect(TS_AFTER.exec(text)?.slice(1), JSON.stringify(text)).toEqual(TS_BEFORE.exec(text)?.slice(1));
    }, 8);
    // The source must be the one normalize.ts uses: the same text is a timestamp there exactly when it matches.
    expect(toColumnText(column('timestamp with time zone', 'timestamptz'), '2026-01-20 10:30  +01 ').ok).toBe(true);
  });

  it('e-mail addresses in init', () => {
    const EMAIL_BEFORE = /^(?:[^<>]*<)?(?:mailto:)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/i;
    many(['a', '.', '@', '<', '>', ' ', 'mailto:', 'b'], (t) => expect(shapes.EMAIL.test(t), JSON.stringify(t)).toBe(EMAIL_BEFORE.test(t)));
  });

  it('spaces at the edges in the diff, comments in init, label lines in init', () => {
    many([' ', 'a', '\n', '\t', ' \n '], (t) => {
      expect(markEdgeSpaces(t), JSON.stringify(t)).toBe(t.replace(/^ +| +$/g, (s) => '␠'.repeat(s.length)));
      expect(comment(t), JSON.stringify(t)).toBe(t ? `   # ${t.replace(/\s*\n\s*/g, ' ').trim()}` : '');
    });
    const LABEL_BEFORE = /^\s*([A-Za-z][A-Za-z0-9 ._'/()-]{0,40}?)\s*:\s+(\S.*?)\s*$/;
    many(['Item', ':', ' ', 'x', '\u2028', '\r', '\t', 'y'], (t) => {
      const record = { source: 's', id: 'r', observedAt: '2026-04-26T08:00:00Z', data: { text: t } } as unknown as SourceRecord;
      const found = textLabelFields([record, record], 'text', (r) => (r.data as { text: string }).text).map((f) => f.label);
      const m = t.trim() === '' ? null : LABEL_BEFORE.exec(t);
      expect(found, JSON.stringify(t)).toEqual(m && !/^https?$/i.test(m[1] ?? '') ? [m[1]] : []);
    });
  });
});
