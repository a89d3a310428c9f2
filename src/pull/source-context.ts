import { sourceWindow, type SalvageConfig } from '../config/load.js';
import type { PullContext } from '../records/connector.js';
import type { RecordsSink } from '../records/ndjson.js';

/**
 * The context a connector pulls in, writing into `sink`: what pull and preserve give every
 * source alike. `extra` is where they differ (the live line, the records of the last pull).
 */
export function sourceContext(
  config: SalvageConfig,
  name: string,
  stateDir: string,
  sink: RecordsSink,
  observedAt: string,
  log: (line: string) => void,
  extra: Pick<PullContext, 'liveProgress' | 'liveLine' | 'previousRecords'>,
): PullContext {
  return {
    sourceName: name,
    window: sourceWindow(config, name),
    baseDir: config.baseDir,
    stateDir,
    observedAt,
    reject: (rejection) => sink.reject(rejection),
    log: (line) => log(`${name}: ${line}`),
    checkpoint: (state) => sink.checkpoint(state),
    resumeState: sink.resumeState,
    ...extra,
  };
}
