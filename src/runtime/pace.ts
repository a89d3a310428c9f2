/** How fast a long step goes and how long it has left, as the live progress lines show it. */

/** Units per second; 0 before any time has passed. */
export function perSecond(done: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
}

/**
 * `ETA 1m05s`, assuming the rest goes at the pace so far; undefined while that pace
 * means nothing yet (under a second in, nothing done) or when nothing is left.
 */
export function timeLeft(done: number, total: number | undefined, elapsedMs: number): string | undefined {
  const rate = perSecond(done, elapsedMs);
  if (total === undefined || rate <= 0 || done >= total || elapsedMs < 1000) return undefined;
  return `ETA ${formatDuration((total - done) / rate)}`;
}

/** `8s`, `2m05s`, `13h30m`: short enough for a line that must not wrap. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
