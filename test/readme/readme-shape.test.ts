import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');

describe('the README a tired engineer reads top to bottom', () => {
  it('starts with the two set-up commands', () => {
    expect(readme.split('\n').slice(0, 6).join('\n')).toBe(
      [
        '# salvage',
        '',
        '```sh',
        'npm ci && npm run demo      # install, then recover the sample incident on an embedded PostgreSQL',
        'npm test                    # the test suite (uses PostgreSQL on 127.0.0.1:5432 when it is there)',
        '```',
      ].join('\n'),
    );
  });

  it('is at most 300 lines, with quickstart, support, install and the recovery steps first; the rest is in docs/', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(300);
    const headings = readme.split('\n').filter((l) => l.startsWith('## '));
    expect(headings.slice(0, 4)).toEqual([
      '## Quickstart: the sample incident',
      '## What salvage supports',
      '## Installing the `salvage` command',
      '## A real recovery, step by step',
    ]);
    expect(headings).toContain('## Applying a patch');
    expect(headings).toContain('## Troubleshooting');
  });

  it('links only to files that exist, and to every page in docs/', () => {
    const links = [...readme.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^https?:/.test(l));
    for (const link of links) expect(existsSync(path.resolve(link)), link).toBe(true);
    for (const page of ['docs/config.md', 'docs/mapping-language.md', 'docs/internals.md', 'docs/development.md']) expect(links).toContain(page);
  });

  it('never tells anyone to run npx salvage, in the README or in docs/', () => {
    for (const file of ['README.md', 'docs/config.md', 'docs/mapping-language.md', 'docs/internals.md', 'docs/development.md']) {
      const text = readFileSync(file, 'utf8').replace('never run `npx salvage` outside the clone', '').replace('never use `npx salvage`', '').replace('| `npx salvage` asks', '');
      expect(text, file).not.toContain('npx salvage');
    }
  });

  it('restores from a plain SQL dump, a custom-format dump and a managed snapshot', () => {
    expect(readme).toContain('psql -d backup -v ON_ERROR_STOP=1 -f backup.sql');
    expect(readme).toContain('pg_restore --no-owner --no-privileges -d backup backup.dump');
    expect(readme).toMatch(/managed-database snapshot .* as a \*\*new\*\* instance/);
  });
});
