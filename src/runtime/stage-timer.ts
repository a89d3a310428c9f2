/** Wall time, rows and resident memory of one stage, for --timings and the benchmark. */
export interface StageTiming {
  stage: string;
  seconds: number;
  rows: number;
  /** Resident memory at the end of the stage, in MB. */
  rssMb?: number;
}

/** Records a stage each time `lap` is called: the time since the previous lap. */
export class StageTimer {
  readonly timings: StageTiming[] = [];
  private mark = performance.now();

  lap(stage: string, rows: number): void {
    const now = performance.now();
    this.timings.push({ stage, seconds: (now - this.mark) / 1000, rows, rssMb: Math.round(process.memoryUsage.rss() / 1048576) });
    this.mark = now;
  }
}
