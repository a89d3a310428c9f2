import { MailParser, type MessageText } from 'mailparser';

/**
 * HTML as plain text, converted exactly the way mailparser converts an HTML-only
 * message (it does so only when a message has no text part). Booking systems often
 * put details only in the HTML version, so rules get both: `text` as sent, and
 * `htmlAsText`. The converter is reached through mailparser, the dependency we
 * declare, by handing it a one-part HTML message.
 */
export function htmlToText(html: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipTextToHtml: true, skipImageLinks: true, checksumAlgo: false });
    let text = '';
    parser.on('data', (data: MessageText | { type: 'attachment'; release: (() => void) | null }) => {
      if (data.type === 'text') text = data.text ?? '';
      else data.release?.();
    });
    parser.once('error', reject);
    parser.once('end', () => resolve(text.trim()));
    parser.end(Buffer.concat([Buffer.from('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'), Buffer.from(html, 'utf8')]));
  });
}
