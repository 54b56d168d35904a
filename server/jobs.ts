/**
 * Background jobs (imports, scans): one at a time, progress kept in memory so a client that
 * subscribes late gets the history, then live events, then `done` or `error`.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AppError } from '../cypher/errors.js';
import { classifyError } from './errors.js';

export interface ProgressEvent {
  stage: string;
  message: string;
  pct?: number;
}

export type JobEvent =
  | { event: 'progress'; data: ProgressEvent }
  | { event: 'done'; data: Record<string, unknown> }
  | { event: 'error'; data: { code: string; message: string } };

export interface Job {
  id: string;
  kind: 'import' | 'scan';
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  events: JobEvent[];
  emitter: EventEmitter;
}

const MAX_EVENTS = 2000;
const KEEP_MS = 60 * 60 * 1000;

export class JobRegistry {
  private readonly jobs = new Map<string, Job>();

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  running(): Job | undefined {
    for (const j of this.jobs.values()) if (j.state === 'running') return j;
    return undefined;
  }

  /** Starts `work` in the background; CONFLICT while another job runs. */
  start(
    kind: Job['kind'],
    work: (progress: (e: ProgressEvent) => void) => Promise<Record<string, unknown>>,
    onError?: (err: unknown) => void,
  ): Job {
    const busy = this.running();
    if (busy)
      throw new AppError('CONFLICT', `Another ${busy.kind} (${busy.id}) is running; wait for it to finish`);
    this.prune();
    const emitter = new EventEmitter();
    emitter.setMaxListeners(100);
    const job: Job = {
      id: randomUUID(),
      kind,
      state: 'running',
      startedAt: new Date().toISOString(),
      events: [],
      emitter,
    };
    this.jobs.set(job.id, job);
    const push = (e: JobEvent) => {
      if (job.events.length < MAX_EVENTS || e.event !== 'progress') job.events.push(e);
      emitter.emit('event', e);
    };
    const progress = (p: ProgressEvent) => {
      if (job.state !== 'running') return;
      const data: ProgressEvent = { stage: String(p.stage), message: String(p.message) };
      if (typeof p.pct === 'number' && Number.isFinite(p.pct)) data.pct = Math.max(0, Math.min(100, p.pct));
      push({ event: 'progress', data });
    };
    setImmediate(() => {
      progress({ stage: 'start', message: `${kind} started`, pct: 0 });
      work(progress).then(
        (result) => {
          job.state = 'done';
          job.finishedAt = new Date().toISOString();
          push({ event: 'done', data: result });
        },
        (err: unknown) => {
          job.state = 'failed';
          job.finishedAt = new Date().toISOString();
          onError?.(err);
          const c = classifyError(err);
          push({ event: 'error', data: { code: c.code, message: c.message } });
        },
      );
    });
    return job;
  }

  /** Waits until no job runs (graceful shutdown), at most `ms`. */
  async drain(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (this.running() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  }

  private prune(): void {
    const cutoff = Date.now() - KEEP_MS;
    for (const [id, j] of this.jobs) {
      if (j.state !== 'running' && j.finishedAt && Date.parse(j.finishedAt) < cutoff) this.jobs.delete(id);
    }
  }
}
