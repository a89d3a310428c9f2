import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const BASE = 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  a: { kind: csv, files: [x.csv] }\n';

describe('work: reconcile’s engine and work database in salvage.yaml', () => {
  it('compares in process unless told otherwise', () => {
    expect(parseConfig(BASE, 'salvage.yaml', { kinds: SOURCE_KINDS, env: {} }).work).toEqual({ engine: 'in-process' });
  });

  it('takes the work-database engine and a server’s URL, from the environment too', () => {
    const config = parseConfig(`${BASE}work: { engine: work-database, url: env:WORK_URL }\n`, 'salvage.yaml', { kinds: SOURCE_KINDS, env: { WORK_URL: 'postgres://u@db:5432/work' } });
    expect(config.work).toEqual({ engine: 'work-database', url: 'postgres://u@db:5432/work' });
  });

  it('names the line of an engine it does not know, and the ones it does', () => {
    expect(() => parseConfig(`${BASE}work: { engine: citus }\n`, 'salvage.yaml', { kinds: SOURCE_KINDS, env: {} })).toThrow(/salvage\.yaml:4:\d+: work\.engine: .*in-process.*work-database/s);
  });
});
