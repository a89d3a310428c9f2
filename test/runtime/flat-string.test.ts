import { describe, expect, it } from 'vitest';
import { flatString } from '../../src/runtime/flat-string.js';

describe('flatString', () => {
  it('keeps every code unit of the text, lone surrogates and hostile characters included', () => {
    const texts = ['public.payments#1', `public.t@${'O\'Brien'}`, 'a\\b', 'nul\u0000', '🙂', '\ud800 lone', 'end \udfff', '"quoted"', ''];
    for (const text of texts) {
      const built = `${text.slice(0, 3)}${text.slice(3)}`;
      expect(flatString(built)).toBe(text);
      expect(flatString(built).length).toBe(text.length);
    }
  });
});
