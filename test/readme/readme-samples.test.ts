/**
 * The outputs the README shows are the demo's, as it prints them today. Each README block
 * marked `<!-- sample: NAME -->` is compared with what the sample incident really prints;
 * when the demo changes, this fails and says how to bring the README up to date:
 * `SALVAGE_UPDATE_README=1 npx vitest run test/readme` rewrites the blocks.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';
import { tempJobDir } from '../support/flow.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';
import { runCli } from '../support/cli.js';

const README = path.resolve('README.md');
const UPDATE = process.env.SALVAGE_UPDATE_README === '1';
const SAMPLE = /^<!-- sample: ([\w-]+) -->\n```text\n([\s\S]*?)```$/gm;

/** The lines from the first that starts with `from` up to (not including) the first after it that starts with `to`, trailing blanks dropped. */
function between(lines: string[], from: string, to: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(from));
  const end = lines.findIndex((l, i) => i > start && l.startsWith(to));
  if (start < 0 || end < 0) throw new Error(`the demo no longer prints a line starting "${from}" followed by one starting "${to}"`);
  const block = lines.slice(start, end);
  while (block.length && block[block.length - 1] === '') block.pop();
  return block;
}

describe('README samples', () => {
  const actual = new Map<string, string>();

  beforeAll(async () => {
    const job = path.join(await tempJobDir('readme'), 'demo-recovery');
    const printed: string[] = [];
    await runDemo({ kinds: SOURCE_KINDS, jobDir: job, log: (line) => printed.push(...line.split('\n')) });
    actual.set('demo-grading', between(printed, 'Recovery of the sample incident', 'What next').join('\n'));

    // `salvage reconcile` in the case file, as the README's step 5 shows it (its path shortened).
    const { code, stdout, stderr } = await runCli(['reconcile'], job);
    if (code !== 0) throw new Error(`salvage reconcile exited ${code}: ${stderr}`);
    actual.set('cli-reconcile', stdout.replaceAll(job, '…/demo-recovery').trimEnd());
  }, 300_000);

  it('are what the demo prints now', async () => {
    const readme = await readFile(README, 'utf8');
    const found = [...readme.matchAll(SAMPLE)].map((m) => ({ name: m[1]!, text: m[2]!.replace(/\n$/, ''), line: readme.slice(0, m.index).split('\n').length }));
    expect(found.map((f) => f.name).sort()).toEqual([...actual.keys()].sort());
    if (UPDATE) {
      await writeFile(README, readme.replace(SAMPLE, (_all, name: string) => `<!-- sample: ${name} -->\n\`\`\`text\n${actual.get(name)}\n\`\`\``));
      return;
    }
    for (const sample of found) {
      const now = actual.get(sample.name);
      expect(
        sample.text,
        `README.md:${sample.line}: the sample "${sample.name}" is not what the demo prints now. ` +
          'Run "SALVAGE_UPDATE_README=1 npx vitest run test/readme" to rewrite it, then read the diff and the prose around it.',
      ).toBe(now);
    }
  });
});
