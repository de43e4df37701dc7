/** A stream that keeps the JSON log lines written to it (createLogger / startPanel `logStream`). */
import { Writable } from 'node:stream';

export function captureLogLines() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(l);
      cb();
    },
  });
  // biome-ignore lint/suspicious/noExplicitAny: log lines are free-form JSON
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
  return { lines, stream, parsed };
}
