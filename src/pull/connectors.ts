import { csvConnector } from '../../connectors/csv/connector.js';
import { emlConnector, imapConnector } from '../../connectors/email/index.js';
import { googleCalendarConnector } from '../../connectors/google-calendar/index.js';
import { icsConnector } from '../../connectors/ics/index.js';
import { stripeConnector, validateStripeOptions } from '../../connectors/stripe/index.js';
import type { SourceConfig } from '../config/schema.js';
import type { Connector } from '../records/connector.js';

/** The connector for a configured source. Kinds not built yet say so instead of pretending. */
export function connectorFor(name: string, source: SourceConfig): Connector {
  switch (source.kind) {
    case 'csv':
      return csvConnector({
        files: source.files,
        delimiter: source.delimiter,
        encoding: source.encoding,
        createdColumn: source.createdColumn,
        updatedColumn: source.updatedColumn,
      });
    case 'ics':
      return icsConnector({ files: source.files });
    case 'google-calendar':
      return googleCalendarConnector({
        accessToken: source.accessToken,
        credentials: source.credentials,
        subject: source.subject,
        calendarIds: source.calendarIds,
        apiBase: source.apiBase,
      });
    case 'imap':
      return imapConnector({
        host: source.host,
        port: source.port,
        secure: source.secure,
        user: source.user,
        pass: source.pass,
        accessToken: source.accessToken,
        auth: source.auth,
        mailboxes: source.mailboxes,
      });
    case 'eml':
      return emlConnector({ files: source.files });
    case 'stripe':
      // Refuses a secret key (and other unsafe settings) before anything is opened or sent.
      validateStripeOptions(source, `sources.${name}`);
      return stripeConnector({
        apiKey: source.apiKey,
        apiBase: source.apiBase,
        objects: source.objects,
        connectedAccount: source.connectedAccount,
        accounts: source.accounts,
        allowSecretKey: source.allowSecretKey,
      });
  }
}
