/**
 * Provenance URIs a human can follow to the message: `imap://INBOX;UIDVALIDITY=7;UID=42`
 * (RFC 5092's parameters, without user and host, which are in salvage.yaml), and
 * `file://exports/mail/a.eml`, `file://exports/x.mbox#3` (the 3rd message of the file).
 * Only characters that would break the URI are escaped, so names stay readable.
 */

function escapeMailbox(path: string): string {
  return path.replace(/[%;#?\s]|[\u0000-\u001f\u007f]/g, (char) => encodeURIComponent(char));
}

export function imapRef(mailbox: string, uidValidity: string, uid: number): string {
  return `imap://${escapeMailbox(mailbox)};UIDVALIDITY=${uidValidity};UID=${uid}`;
}

/** One MIME part of a message, e.g. an invite: RFC 5092's `;SECTION=`. */
export function imapPartRef(messageRef: string, partId: string | null): string {
  return partId === null ? messageRef : `${messageRef};SECTION=${partId}`;
}

export function emlRef(displayPath: string): string {
  return `file://${displayPath}`;
}

export function mboxRef(displayPath: string, index: number): string {
  return `file://${displayPath}#${index}`;
}

/** A part of a file message: `#part=2` after an .eml, `&part=2` after an mbox message number. */
export function filePartRef(messageRef: string, partId: string | null): string {
  if (partId === null) return messageRef;
  return messageRef.includes('#') ? `${messageRef}&part=${partId}` : `${messageRef}#part=${partId}`;
}
