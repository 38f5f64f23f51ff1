import { SingleBar } from 'cli-progress';

const MIB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

/**
 * What `calllogs import` shows: on a terminal, a bar of the bytes read (with an ETA when the input
 * has a known size), the records loaded and their rate; elsewhere, only the summary line.
 */
export class ImportProgress {
  private readonly started = performance.now();
  private readonly bar: SingleBar | undefined;

  constructor(totalBytes: number | undefined, stream: NodeJS.WriteStream = process.stderr) {
    if (!stream.isTTY) return;
    const format = totalBytes
      ? 'importing [{bar}] {percentage}% | {read} of {size} | {records} records, {rate} records/s | ETA {eta_formatted}'
      : 'importing {read} | {records} records, {rate} records/s';
    this.bar = new SingleBar({ stream, format, hideCursor: true, etaBuffer: 50, fps: 5 });
    this.bar.start(totalBytes ?? 0, 0, { read: mib(0), size: mib(totalBytes ?? 0), records: 0, rate: 0 });
  }

  update(bytes: number, records: number): void {
    this.bar?.update(bytes, { read: mib(bytes), records, rate: this.rate(records) });
  }

  /** Clears the bar (the import ended, well or not). */
  stop(): void {
    this.bar?.stop();
  }

  summary(records: number): string {
    const seconds = (performance.now() - this.started) / 1000;
    return `imported ${records} records in ${seconds.toFixed(1)} s (${this.rate(records)} records/s)\n`;
  }

  private rate(records: number): number {
    return Math.round(records / Math.max(0.001, (performance.now() - this.started) / 1000));
  }
}
