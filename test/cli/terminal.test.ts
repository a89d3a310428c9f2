import { describe, expect, it } from 'vitest';
import { useColor } from '../../src/cli/terminal.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('colour', () => {
  it('is on for a terminal and off for a pipe by default', () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
    expect(useColor(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('is off with NO_COLOR, or FORCE_COLOR=0 or false, even on a terminal', () => {
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColor(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(useColor(tty, { FORCE_COLOR: '0', NO_COLOR: '' })).toBe(false);
  });

  it('is on through a pipe with FORCE_COLOR=1, 2, 3 or true', () => {
    for (const level of ['1', '2', '3', 'true']) expect(useColor(pipe, { FORCE_COLOR: level }), level).toBe(true);
    expect(useColor(pipe, { FORCE_COLOR: '' })).toBe(false);
  });
});
