import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APPLY_STEPS } from '../../src/apply/steps/order.js';

/** The bold names of a numbered list, `1. **Name.**` (or `**Name:**`), in a markdown section. */
function stepNames(file: string, heading: string): string[] {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  expect(start, `${file} has a section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + heading.length + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\d+\. \*\*(.+?)[.:]?\*\*/gm)].map((m) => m[1] as string);
}

describe("apply's steps", () => {
  const names = APPLY_STEPS.map((s) => s.name);

  it('are listed in the README, in the order apply runs them', () => {
    expect(stepNames('README.md', '## Applying a patch')).toEqual(names);
  });

  it('are listed in docs/apply-guards.md, in the order apply runs them', () => {
    expect(stepNames('docs/apply-guards.md', '## The steps, in order')).toEqual(names);
  });

  it('are each in a file of their own in src/apply/steps/', () => {
    const files = readdirSync('src/apply/steps').filter((f) => !['order.ts', 'apply-run.ts'].includes(f));
    expect(files).toHaveLength(APPLY_STEPS.length);
    expect(new Set(names).size).toBe(names.length);
    for (const file of files) {
      const defined = [...readFileSync(`src/apply/steps/${file}`, 'utf8').matchAll(/^export const \w+: ApplyStep = \{\n\s+name: '([^']+)'/gm)];
      expect(defined.map((m) => m[1]), file).toHaveLength(1);
      expect(names, file).toContain(defined[0]?.[1]);
    }
  });
});
