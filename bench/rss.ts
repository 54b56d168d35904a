/** Peak memory of a process from /proc/<pid>/status (VmHWM = high-water mark, VmRSS = now). */
import { readFileSync } from 'node:fs';

export interface MemInfo {
  rssBytes: number;
  hwmBytes: number;
}

export function procMem(pid: number): MemInfo | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Samples VmRSS of some processes every `everyMs` and keeps the peak per phase. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private phase = 'start';
  readonly peaks: Record<string, Record<string, number>> = {};

  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  setPhase(phase: string): void {
    this.sample();
    this.phase = phase;
  }

  sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      if (pid === undefined) continue;
      const m = procMem(pid);
      if (!m) continue;
      let byPhase = this.peaks[name];
      if (!byPhase) {
        byPhase = {};
        this.peaks[name] = byPhase;
      }
      byPhase[this.phase] = Math.max(byPhase[this.phase] ?? 0, m.rssBytes);
    }
  }

  stop(): void {
    this.sample();
    if (this.timer) clearInterval(this.timer);
  }
}
