/**
 * Adding a source is its folder plus one line in the registry: a kind described here, in
 * test/, and a registry with it added, are all config validation, redaction, init's
 * config, pull and preserve need. Nothing in src/ names the kind.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_KINDS } from '../../connectors/registry.js';
import { parseConfig } from '../../src/config/load.js';
import { InvalidInputError, UsageError } from '../../src/errors.js';
import { renderConfig } from '../../src/init/render-config.js';
import { nameSources, parseSourceArgument } from '../../src/init/source-specs.js';
import { preserve } from '../../src/preserve/preserve.js';
import { pull } from '../../src/pull/pull.js';
import type { Connector } from '../../src/records/connector.js';
import { REDACTED } from '../../src/records/scrub.js';
import { defineSourceKind, type SourceKinds } from '../../src/records/source-kind.js';
import { redact } from '../../src/runtime/secrets.js';
import * as library from '../../src/index.js';

/** A made-up API with its own key shape (`toy_` and 16 letters or digits). */
const TOY_KEY = ['toy', 'k3y0000000000000'].join('_');

/** The kind's connector: `count` records, one of which repeats a key the way a careless export would. */
function toyConnector(options: { count?: number | undefined }): Connector {
  return {
    kind: 'toy',
    async *pull(context) {
      for (let i = 1; i <= (options.count ?? 2); i++) {
        yield {
          source: context.sourceName,
          type: 'toy.item',
          id: `item-${i}`,
          ref: `toy://items/${i}`,
          observedAt: context.observedAt,
          createdAt: `2026-01-0${i}T00:00:00.000Z`,
          data: { n: i, note: i === 1 ? `made with ${['toy', 'abcdefgh12345678'].join('_')}` : 'plain' },
        };
      }
    },
  };
}

const toySource = defineSourceKind({
  kind: 'toy',
  schema: z.strictObject({ kind: z.literal('toy'), token: z.string().min(1), count: z.number().int().positive().optional() }),
  secretFields: ['token'],
  secretPatterns: [{ markers: ['toy_'], pattern: /\btoy_[a-z0-9]{16}\b/ }],
  preserve: { expiry: ({ count, oldestCreated }) => `${count} toys; the oldest made ${oldestCreated.get('toy.item')}` },
  init: { name: 'toys', options: (env) => `token: ${env('TOKEN')}, count: 3`, note: 'any token reads' },
  connect: (options) => toyConnector(options),
});

/** The registry with the toy kind's one line added. */
const KINDS: SourceKinds = [...SOURCE_KINDS, toySource];

const CONFIG = (sources: string) => `window: { from: 2026-01-01T00:00:00Z, to: 2026-02-01T00:00:00Z }\nsources:\n${sources}`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'salvage-toy-kind-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a kind added to the registry, and nowhere in src/', () => {
  it('is validated by its own schema, its typos and a misspelt kind named with the file line', () => {
    const error = (() => {
      try {
        parseConfig(CONFIG('  a: { kind: toy, token: env:TOY_TOKEN, cuont: 3 }\n  b: { kind: toyy }\n'), '/x/salvage.yaml', { kinds: KINDS, env: { TOY_TOKEN: TOY_KEY } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    const text = (error as InvalidInputError).problems.map((p) => `${p.line}: ${p.message}`).join('\n');
    expect(text).toContain('3: unknown key "cuont"');
    expect(text).toContain('4: sources.b.kind: kind must be one of stripe, imap, google-calendar, ics, csv, eml, jsonl, toy (did you mean "toy"?)');
    // Without the toy's line, the registry does not know it.
    expect(() => parseConfig(CONFIG('  a: { kind: toy, token: x }\n'), '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: {} })).toThrow(/sources\.a\.kind: kind must be one of stripe, imap, google-calendar, ics, csv, eml, jsonl$/m);
  });

  it('has its secret field taken only from env: and redacted, and its key shape redacted wherever it turns up', () => {
    const config = parseConfig(CONFIG('  a: { kind: toy, token: env:TOY_TOKEN }\n  b: { kind: toy, token: inline-token-value }\n'), '/x/salvage.yaml', {
      kinds: KINDS,
      env: { TOY_TOKEN: TOY_KEY },
    });
    expect(config.inlineSecrets.map((p) => p.message)).toEqual([
      'sources.b.token is written in salvage.yaml itself; put it in an environment variable and write token: env:NAME',
    ]);
    expect(redact(`key ${TOY_KEY}, inline-token-value, another toy_zzzzzzzz99999999 and toy_short`)).toBe('key ***, ***, another *** and toy_short');
  });

  it("gets its salvage.yaml entry from init, named, its secret an env: variable, and the entry loads back", () => {
    expect(parseSourceArgument('mine=toy', KINDS)).toEqual({ name: 'mine', kind: 'toy' });
    expect(() => parseSourceArgument('toy:exports/x.csv', KINDS)).toThrow(UsageError);
    expect(() => parseSourceArgument('toy', SOURCE_KINDS)).toThrow(/KIND is one of stripe, imap, google-calendar, ics, csv, eml, jsonl \(/);
    const text = renderConfig({
      job: './recovery',
      backup: 'embedded',
      window: { from: new Date('2026-01-01T00:00:00Z'), fromWhy: 'the backup', to: new Date('2026-02-01T00:00:00Z'), toWhy: 'the loss' },
      sources: nameSources(['toy', 'toy', 'stripe'], KINDS),
      writtenAt: new Date('2026-02-02T00:00:00Z'),
    });
    const entries = text.split('\n').filter((line) => line.startsWith('  ') && line.includes('kind:'));
    expect(entries).toEqual([
      '  toys: { kind: toy, token: env:TOYS_TOKEN, count: 3 }   # any token reads',
      '  toys-2: { kind: toy, token: env:TOYS_2_TOKEN, count: 3 }   # any token reads',
      '  stripe: { kind: stripe, apiKey: env:STRIPE_API_KEY }   # a restricted key with read access is enough; salvage never writes to Stripe',
    ]);
    const env = { TOYS_TOKEN: TOY_KEY, TOYS_2_TOKEN: TOY_KEY, STRIPE_API_KEY: 'rk_test_000000000000' };
    expect(Object.keys(parseConfig(text, '/x/salvage.yaml', { kinds: KINDS, env }).sources)).toEqual(['toys', 'toys-2', 'stripe']);
  });

  it('is pulled and preserved through its own connector, its key scrubbed from the records', async () => {
    const file = path.join(dir, 'salvage.yaml');
    await writeFile(file, CONFIG('  toys: { kind: toy, token: env:TOY_TOKEN, count: 3 }\n'));
    const config = parseConfig(await readFile(file, 'utf8'), file, { kinds: KINDS, env: { TOY_TOKEN: TOY_KEY } });
    const [summary] = await pull({ config });
    expect(summary).toMatchObject({ source: 'toys', kind: 'toy', records: 3, rejected: 0 });
    const records = (await readFile(path.join(config.jobDir, 'records', 'toys.ndjson'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { id: string; data: { note: string } });
    expect(records.map((r) => r.id)).toEqual(['item-1', 'item-2', 'item-3']);
    expect(records[0]?.data.note).toBe(`made with ${REDACTED}`);

    const [saved] = await preserve({ config });
    expect(saved).toMatchObject({ source: 'toys', kind: 'toy', records: 3, expiry: '3 toys; the oldest made 2026-01-01T00:00:00.000Z' });
  });

  it("is read by the library's loadConfig when the caller adds it, which reads every shipped kind without being told", async () => {
    const file = path.join(dir, 'library.yaml');
    await writeFile(file, CONFIG('  toys: { kind: toy, token: env:TOY_TOKEN }\n  ledger: { kind: csv, files: [x.csv] }\n'));
    await expect(library.loadConfig(file, { env: { TOY_TOKEN: TOY_KEY } })).rejects.toThrow(/sources\.toys\.kind: kind must be one of stripe, imap, google-calendar, ics, csv, eml, jsonl$/m);
    const config = await library.loadConfig(file, { kinds: [...library.SOURCE_KINDS, toySource], env: { TOY_TOKEN: TOY_KEY } });
    expect(Object.values(config.sources).map((s) => s.kind)).toEqual(['toy', 'csv']);
  });
});
