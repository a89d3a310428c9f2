import type { SourceRecord } from '../../src/records/envelope.js';
import { inviteEvents } from './calendar-invite.js';
import type { ParsedEmail } from './parse-message.js';
import type { MessageTime } from './window.js';

/**
 * The records of one message: an `email.message`, plus a `calendar.event` for every
 * event of every calendar invite attached to it.
 */
export interface MessageRecordInput {
  sourceName: string;
  observedAt: string;
  /** The Message-ID, or the `sha256:` fallback (dedupe.ts). */
  id: string;
  /** Where to find the message (its first location when it is stored in several). */
  ref: string;
  /** Every place the message was found, each with its own `ref`. */
  locations: Array<Record<string, unknown>>;
  time: MessageTime | null;
  parsed: ParsedEmail;
  /** The ref of one MIME part of this message (an invite), for the event records. */
  partRef: (partId: string | null) => string;
}

export interface MessageRecords {
  records: SourceRecord[];
  /**
   * What a human must hear about this message, with its ref: the parser's warnings (a message
   * it refused, an invite too large to read) and invites that could not be read. Logged by the
   * caller, never fatal.
   */
  problems: string[];
}

export function messageRecords(input: MessageRecordInput): MessageRecords {
  const { parsed } = input;
  const time = input.time?.at.toISOString();
  const message: SourceRecord = {
    source: input.sourceName,
    type: 'email.message',
    id: input.id,
    ref: input.ref,
    observedAt: input.observedAt,
    ...(time === undefined ? {} : { createdAt: time }),
    data: {
      messageId: parsed.messageId,
      subject: parsed.subject,
      from: parsed.from,
      to: parsed.to,
      cc: parsed.cc,
      ...(parsed.bcc.length ? { bcc: parsed.bcc } : {}),
      ...(parsed.replyTo.length ? { replyTo: parsed.replyTo } : {}),
      ...(parsed.fromAll.length > 1 ? { fromAll: parsed.fromAll } : {}),
      date: parsed.date?.toISOString() ?? null,
      ...(parsed.date === null && parsed.dateHeader !== null ? { unreadableDate: parsed.dateHeader } : {}),
      time: time ?? null,
      timeSource: input.time?.source ?? null,
      inReplyTo: parsed.inReplyTo,
      references: parsed.references,
      text: parsed.text,
      html: parsed.html,
      htmlAsText: parsed.htmlAsText,
      attachments: parsed.attachments,
      headers: parsed.headers,
      locations: input.locations,
      ...(parsed.warnings.length ? { warnings: parsed.warnings } : {}),
    },
  };
  const records: SourceRecord[] = [message];
  // Also in data.warnings, but a record nobody opens tells nobody: the pull log names the message.
  const problems = parsed.warnings.map((warning) => `warning: ${input.ref}: ${warning}`);
  for (const calendar of parsed.calendars) {
    let events;
    try {
      events = inviteEvents(calendar.text);
    } catch (error) {
      problems.push(`${input.ref}: the calendar attachment ${calendar.summary.name ?? calendar.summary.partId ?? ''} cannot be read (${(error as Error).message})`);
      continue;
    }
    events.forEach((event, index) => {
      const name = event.uid ?? `event-${index + 1}`;
      const record: SourceRecord = {
        source: input.sourceName,
        type: 'calendar.event',
        id: `${input.id}/${calendar.summary.partId ?? 'body'}/${name}${event.recurrenceId === null ? '' : `@${event.recurrenceId}`}`,
        ref: input.partRef(calendar.summary.partId),
        observedAt: input.observedAt,
        data: {
          ...event.data,
          // Where the invite came from: the email a rule may also want to read.
          email: { messageId: parsed.messageId, id: input.id, subject: parsed.subject, ref: input.ref },
          attachment: { name: calendar.summary.name, sha256: calendar.summary.sha256 },
        },
      };
      // An invite without CREATED/LAST-MODIFIED is as new as the email that carried it.
      const created = event.created ?? time;
      const updated = event.lastModified ?? event.stamp ?? time;
      if (created !== undefined) record.createdAt = created;
      if (updated !== undefined) record.updatedAt = updated;
      if (event.cancelled) record.deleted = true;
      records.push(record);
    });
  }
  return { records, problems };
}
