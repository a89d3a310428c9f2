import { describe, expect, it } from 'vitest';
import { flatString } from '../../src/runtime/flat-string.js';
import { collectGarbage } from '../../src/runtime/memory.js';

describe('flatString', () => {
  it('keeps every code unit of the text, lone surrogates and hostile characters included', () => {
    const texts = ['public.payments#1', `public.t@${'O\'Brien'}`, 'a\\b', 'nul\u0000', '🙂', '\ud800 lone', 'end \udfff', '"quoted"', ''];
    for (const text of texts) {
      const built = `${text.slice(0, 3)}${text.slice(3)}`;
      expect(flatString(built)).toBe(text);
      expect(flatString(built).length).toBe(text.length);
    }
  });

  it('holds ids built by concatenation in less memory than the built strings themselves', () => {
    // Ids as reconcile builds them, from a table name held in a variable (V8 joins literals
    // at once); the same ids flattened must take markedly less heap. With flatString an
    // identity, the two come out within a few percent.
    const ids = (flatten: boolean) => {
      const kept: string[] = [];
      const table = ['public', 'payments'].join('.');
      for (let i = 0; i < 100_000; i++) {
        const id = `${table}@stripe_charge_id=${`ch_${(1e11 + i).toString(36)}`}`;
        kept.push(flatten ? flatString(id) : id);
      }
      return kept;
    };
    const heldBy = (flatten: boolean) => {
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      const kept = ids(flatten);
      collectGarbage();
      const held = process.memoryUsage().heapUsed - before;
      expect(kept).toHaveLength(100_000);
      return held;
    };
    const built = heldBy(false);
    const flat = heldBy(true);
    expect(flat).toBeLessThan(built * 0.85);
  });
});
