/**
 * Input that used to end in "internal error" and a stack trace: Ctrl-C or Ctrl-D at a
 * question, and YAML whose aliases expand without bound or refer to themselves.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ask } from '../../src/cli/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { InvalidInputError, SafetyRefusal } from '../../src/errors.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const WINDOW = 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources: {}\n';

describe('a question answered with Ctrl-C or Ctrl-D', () => {
  it.each([
    ['Ctrl-C', '\u0003'],
    ['Ctrl-D', '\u0004'],
  ])('%s is a refusal that says nothing was written (exit 3)', async (key, byte) => {
    const input = new PassThrough();
    setTimeout(() => input.write(byte), 20);
    const error = await ask('Type the name of the target database (prod): ', { input, output: new PassThrough(), terminal: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as SafetyRefusal).exitCode).toBe(3);
    expect((error as Error).message).toBe(`stopped at the question (${key}): nothing was answered, and nothing was written or changed.`);
  });

  it('an answer is still an answer', async () => {
    const input = new PassThrough();
    setTimeout(() => input.write('prod\r'), 20);
    expect(await ask('? ', { input, output: new PassThrough(), terminal: true })).toBe('prod');
  });
});

describe('hostile YAML aliases', () => {
  const problems = (text: string) => {
    try {
      parseConfig(text, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: {} });
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).exitCode).toBe(2);
      return (error as InvalidInputError).problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
    }
    return [];
  };

  it('an alias bomb is an invalid file (exit 2), not a hang or a crash', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) levels.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`);
    expect(problems(`${levels.join('\n')}\n${WINDOW}`)).toEqual(['1:1: its aliases (*name) expand to too many values (more than 100 uses of an anchor); write the values out instead']);
  });

  it('an anchor used inside itself is an invalid file (exit 2)', () => {
    expect(problems(`x: &x [*x]\n${WINDOW}`)).toEqual(['1:1: an anchor (&name) is used inside itself (*name): the value would be infinite; write it out instead']);
  });
});
