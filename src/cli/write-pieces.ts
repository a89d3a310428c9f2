import type { Writable } from 'node:stream';

/**
 * Writes a report piece by piece, waiting whenever the reader is behind, so a report
 * of hundreds of megabytes never sits in memory waiting for a pager. A reader that goes
 * away (`salvage diff | head`) ends the writing quietly, and at once: Node does not fail
 * a write to a closed stdout, so without noticing the EPIPE the whole report would still
 * be rendered, for nobody.
 */
export async function writePieces(stream: Writable, pieces: Iterable<string>): Promise<void> {
  let gone = false;
  let failure: Error | undefined;
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') gone = true;
    else failure = error;
  };
  stream.on('error', onError);
  try {
    for (const piece of pieces) {
      if (failure) throw failure;
      if (gone || stream.destroyed) return;
      if (!stream.write(piece)) await drained(stream);
    }
    if (failure) throw failure;
  } finally {
    stream.off('error', onError);
  }
}

function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
