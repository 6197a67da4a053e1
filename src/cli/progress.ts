/**
 * Progress of long runs on stderr (stdout stays the report): a cli-progress bar when stderr is a
 * terminal, plain lines at most every `intervalMs` otherwise (CI logs, pipes), nothing with --quiet.
 * Progress shows counts only, never key material.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, detail: string): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  unit: string;
  quiet: boolean;
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
  now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {detail}`,
        hideCursor: true,
        etaBuffer: 100,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, detail) {
        if (!started) {
          bar.start(Math.max(total, done), done, { detail });
          started = true;
        } else {
          bar.setTotal(Math.max(total, done));
          bar.update(done, { detail });
        }
      },
      stop: () => started && bar.stop(),
    };
  }
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 2000;
  let lastAt = now();
  let last: string | undefined;
  let printed: string | undefined;
  const print = (line: string) => {
    stream.write(`${line}\n`);
    printed = line;
    lastAt = now();
  };
  return {
    update(done, total, detail) {
      last = `${options.label}: ${done}/${Math.max(total, done)} ${options.unit}, ${detail}`;
      if (now() - lastAt >= intervalMs) print(last);
    },
    stop() {
      if (last !== undefined && last !== printed) print(last);
    },
  };
}
