/**
 * Terminal output: a progress bar and human messages on a terminal, structured JSON log lines
 * (one object per line, on stderr) otherwise. Results go to stdout; logs never do.
 */
import cliProgress from 'cli-progress';

const interactive = (): boolean => Boolean(process.stderr.isTTY) && process.env.CI !== 'true';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function line(level: string, message: string, fields?: Record<string, unknown>): void {
  if (interactive()) {
    const prefix = level === 'info' ? '' : `${level}: `;
    process.stderr.write(`${prefix}${message}\n`);
  } else {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`,
    );
  }
}

export const log: Logger = {
  info: (m, f) => line('info', m, f),
  warn: (m, f) => line('warn', m, f),
  error: (m, f) => line('error', m, f),
};

/**
 * The `log` callback the pipeline takes (ImportContext['log']): a line whose fields carry a
 * `warning` (what the warning is about) goes out at warn level, the rest at info.
 */
export const pipelineLog = (message: string, fields?: Record<string, unknown>): void =>
  fields?.warning ? log.warn(message, fields) : log.info(message, fields);

export interface ProgressEvent {
  phase: string;
  done: number;
  total: number;
}

/** Progress reporter: a bar per phase on a terminal, a log line every few seconds otherwise. */
export function progressReporter(task: string): { update(p: ProgressEvent): void; stop(): void } {
  if (interactive()) {
    let bar: cliProgress.SingleBar | null = null;
    let phase = '';
    return {
      update(p) {
        if (p.phase !== phase) {
          bar?.stop();
          phase = p.phase;
          if (p.phase === 'done') {
            bar = null;
            return;
          }
          bar = new cliProgress.SingleBar(
            {
              format: `${task} ${p.phase.padEnd(9)} [{bar}] {value}/{total} {eta_formatted}`,
              stream: process.stderr,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(p.total, p.done, 1), p.done);
        }
        if (bar) {
          bar.setTotal(Math.max(p.total, p.done, 1));
          bar.update(p.done);
        }
      },
      stop() {
        bar?.stop();
      },
    };
  }
  let last = 0;
  let phase = '';
  return {
    update(p) {
      const now = Date.now();
      if (p.phase !== phase || now - last > 2000) {
        phase = p.phase;
        last = now;
        line('info', `${task}: ${p.phase}`, { task, phase: p.phase, done: p.done, total: p.total });
      }
    },
    stop() {},
  };
}

/** Fixed-width table for terminals. */
export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v).replace(
      /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g,
      '\uFFFD',
    );
  };
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const width = cols.map((c, i) => Math.min(80, Math.max(c.length, ...cells.map((r) => r[i]!.length))));
  const fmt = (vals: string[]) =>
    vals
      .map((v, i) => (v.length > width[i]! ? `${v.slice(0, width[i]! - 1)}…` : v.padEnd(width[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(cols), fmt(width.map((w) => '-'.repeat(w))), ...cells.map(fmt)].join('\n') + '\n';
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
