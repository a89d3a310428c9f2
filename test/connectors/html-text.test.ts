import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../connectors/email/html-text.js';

describe('HTML bodies as text', () => {
  it('keeps table cells apart and each row on its line', () => {
    const html = '<p>Your receipt</p><table><tr><th>Item</th><th>Price</th></tr><tr><td>Total</td><td>&euro;&nbsp;80.50</td></tr><tr><td></td><td>VAT incl.</td></tr></table><p>Thanks</p>';
    expect(htmlToText(html)).toBe('Your receipt\n\nItem\tPrice\nTotal\t€\u00a080.50\nVAT incl.\n\nThanks');
  });

  it('never wraps inside a value, however long', () => {
    const reference = `REF-${'7'.repeat(300)}`;
    const text = htmlToText(`<div>Booking reference: <b>${reference}</b> for the double kayak, two days, pickup at the harbour office</div>`);
    expect(text).toBe(`Booking reference: ${reference} for the double kayak, two days, pickup at the harbour office`);
    expect(text.split('\n')).toHaveLength(1);
  });

  it('breaks lines at <br> and list items, separates paragraphs, collapses whitespace but not in <pre>', () => {
    const html = '<h1>Booking\n   confirmed</h1>Name: Ada<br>Date: 2 March<br/><br>Notes:<ul><li>kayak</li><li>wetsuit</li></ul><pre>A  B\n  C</pre>';
    expect(htmlToText(html)).toBe('Booking confirmed\n\nName: Ada\nDate: 2 March\n\nNotes:\n\n- kayak\n- wetsuit\n\nA  B\n  C');
  });

  it('keeps a link address that says more than its text, and leaves out scripts, styles, comments and images', () => {
    const html =
      '<html><head><title>x</title><style>p { color: red }</style></head><body><!-- <p>hidden</p> --><script>var a = "<p>no</p>";</script>' +
      '<p><a href="https://shop.example/orders/A-1042?ref=K7QX2P&amp;x=1">Manage booking</a> or <a href="mailto:help@shop.example">help@shop.example</a><img src="cid:logo"></p></body></html>';
    expect(htmlToText(html)).toBe('Manage booking [https://shop.example/orders/A-1042?ref=K7QX2P&x=1] or help@shop.example');
  });

  it('decodes character references and keeps what is not one', () => {
    expect(htmlToText('<p>O&#39;Brien &amp; S&oslash;n &#x1F600; a &lt; b, 5 &unknown; x < y</p>')).toBe("O'Brien & Søn 😀 a < b, 5 &unknown; x < y");
  });

  it('takes time linear in the input on hostile nesting and unclosed tags', () => {
    // Not a timing assertion: the result shows every part was read once and nothing was lost or repeated.
    const deep = '<div><table><tr><td>'.repeat(20_000) + 'x' + '</td></tr></table></div>'.repeat(20_000);
    expect(htmlToText(deep)).toBe('x');
    expect(htmlToText(`a <b ${'"'.repeat(1)}unclosed ${'x'.repeat(100_000)}`)).toBe('a');
    expect(htmlToText('<'.repeat(50_000))).toBe('<'.repeat(50_000));
  });
});
