import { csvConnector } from '../../connectors/csv.js';
import { googleCalendarConnector } from '../../connectors/google-calendar/index.js';
import { icsConnector } from '../../connectors/ics.js';
import type { SourceConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
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
    case 'stripe':
    case 'imap':
    case 'eml':
      throw new UsageError(
        `source "${name}": the ${source.kind} connector is not part of this version of salvage yet. ` +
          'Export the data to CSV or ICS and use a csv/ics source meanwhile.',
      );
  }
}
