/**
 * Scheduled scans in `permgraph serve`: a JSON or YAML file (`--schedule FILE` or
 * PERMGRAPH_SCHEDULE) lists schedules; each runs `runScan` on its cron expression as a scan job
 * of the server's job registry (so it shows in GET /scans/{job}/events and GET /scans), never
 * twice at once, and POSTs the new findings at or above its minimum severity to its webhook.
 * The file is validated at start; every problem names the schedule and the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import { parse as parseYaml } from 'yaml';
import type { Finding, ScanCollect, ScanSummary } from '../analyze/index.js';
import { checkWebhookUrl, postWebhook, type WebhookResult } from '../analyze/webhook.js';
import type { Graph } from '../cypher/db/graph.js';
import { AppError, errorMessage } from '../cypher/errors.js';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../cypher/registry.js';
import { collectingProviders } from '../ingest/pipeline.js';
import { analyzeModule } from './analyses.js';
import { classifyError } from './errors.js';
import type { JobRegistry } from './jobs.js';

export interface ScheduleDef {
  name: string;
  cron: string;
  /** IANA time zone of the cron expression (default: the server's). */
  timezone?: string;
  /** Files or directories to import (absolute; relative ones are read from the config file's folder). */
  inputs: string[];
  /** Collect live before the import. */
  collect?: ScanCollect;
  webhook?: string;
  /** Least severity posted to the webhook (default high). */
  minSeverity: Severity;
  lookbackDays?: number;
  /** Saved queries to run (default: every analysis query). */
  queries?: string[];
}

export interface ScheduleRun {
  /** Job id: GET /api/v1/scans/{job}/events. */
  job: string | null;
  status: 'waiting' | 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  /** Analysis scan id (GET /api/v1/scans/{scan}). */
  scan: string | null;
  newFindings: number;
  resolvedFindings: number;
  /** New findings at or above the schedule's minimum severity. */
  alerted: number;
  webhook: { delivered: boolean; attempts: number; status?: number; error?: string } | null;
  error: string | null;
}

export interface ScheduleStatus {
  name: string;
  cron: string;
  timezone: string | null;
  source: string;
  nextRun: string | null;
  running: boolean;
  runs: number;
  lastRun: ScheduleRun | null;
}

const KEYS = [
  'name',
  'cron',
  'timezone',
  'inputs',
  'collect',
  'webhook',
  'minSeverity',
  'lookbackDays',
  'queries',
];
const COLLECT_KEYS = [
  'provider',
  'profile',
  'regions',
  'org',
  'roleName',
  'out',
  'endpointUrl',
  'concurrency',
];
const WEBHOOK_MAX = 1000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates a schedule file; throws CONFIG_INVALID listing every problem. */
export function loadSchedules(file: string): ScheduleDef[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `schedule file ${file}: cannot be read (${errorMessage(err)})`);
  }
  let doc: unknown;
  const yaml = /\.ya?ml$/i.test(file);
  try {
    doc = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new AppError(
      'CONFIG_INVALID',
      `schedule file ${file}: not valid ${yaml ? 'YAML' : 'JSON'} (${errorMessage(err)})`,
    );
  }
  return parseSchedules(doc, { file, baseDir: path.dirname(path.resolve(file)) });
}

/** Validates a parsed schedule document (`{schedules: [...]}`). */
export function parseSchedules(doc: unknown, where: { file: string; baseDir: string }): ScheduleDef[] {
  const problems: string[] = [];
  const at = (i: number, name: unknown, key: string) =>
    `schedule ${typeof name === 'string' && name ? `"${name}"` : `#${i + 1}`} (schedules[${i}].${key})`;
  if (!isObject(doc) || !Array.isArray(doc.schedules)) {
    throw new AppError(
      'CONFIG_INVALID',
      `schedule file ${where.file}: expected an object with a "schedules" array`,
    );
  }
  for (const k of Object.keys(doc))
    if (k !== 'schedules') problems.push(`${k}: unknown key (the file holds "schedules")`);
  const defs: ScheduleDef[] = [];
  const names = new Set<string>();
  for (const [i, raw] of (doc.schedules as unknown[]).entries()) {
    if (!isObject(raw)) {
      problems.push(`schedules[${i}]: expected an object`);
      continue;
    }
    const name = raw.name;
    const bad = (key: string, msg: string) => problems.push(`${at(i, name, key)}: ${msg}`);
    for (const k of Object.keys(raw))
      if (!KEYS.includes(k)) bad(k, `unknown key (known: ${KEYS.join(', ')})`);
    if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(name))
      bad('name', 'required: 1-100 letters, digits, ".", "_" or "-"');
    else if (names.has(name)) bad('name', 'another schedule has this name');
    else names.add(name);
    const timezone = raw.timezone;
    if (timezone !== undefined && (typeof timezone !== 'string' || !timezone))
      bad('timezone', 'a time zone name such as UTC or Europe/Berlin');
    if (typeof raw.cron !== 'string' || raw.cron.trim() === '')
      bad('cron', 'required: a cron expression such as "0 3 * * *"');
    else {
      try {
        const c = new Cron(raw.cron, { paused: true, ...(typeof timezone === 'string' ? { timezone } : {}) });
        const next = c.nextRun();
        c.stop();
        if (!next) bad('cron', `"${raw.cron}" never runs`);
      } catch (err) {
        bad(
          typeof timezone === 'string' && /time ?zone/i.test(errorMessage(err)) ? 'timezone' : 'cron',
          `"${raw.cron}": ${errorMessage(err)}`,
        );
      }
    }
    const inputs: string[] = [];
    if (raw.inputs !== undefined) {
      if (!Array.isArray(raw.inputs)) bad('inputs', 'a list of files or directories');
      else
        for (const [j, v] of (raw.inputs as unknown[]).entries()) {
          if (typeof v !== 'string' || v === '') {
            bad(`inputs[${j}]`, 'a file or directory path');
            continue;
          }
          const p = path.resolve(where.baseDir, v);
          if (existsSync(p)) inputs.push(p);
          else bad(`inputs[${j}]`, `${p} does not exist`);
        }
    }
    let collect: ScanCollect | undefined;
    if (raw.collect !== undefined) {
      const c = raw.collect;
      if (!isObject(c)) bad('collect', 'an object such as {provider: aws, profile: prod}');
      else {
        for (const k of Object.keys(c))
          if (!COLLECT_KEYS.includes(k))
            bad(`collect.${k}`, `unknown key (known: ${COLLECT_KEYS.join(', ')})`);
        const known = collectingProviders();
        if (typeof c.provider !== 'string' || !known.includes(c.provider))
          bad('collect.provider', `required: one of ${known.join(', ') || '(no live collector registered)'}`);
        const str = (k: string) => {
          if (c[k] !== undefined && (typeof c[k] !== 'string' || c[k] === ''))
            bad(`collect.${k}`, 'a non-empty string');
        };
        for (const k of ['profile', 'roleName', 'out', 'endpointUrl']) str(k);
        if (c.org !== undefined && typeof c.org !== 'boolean') bad('collect.org', 'true or false');
        if (
          c.regions !== undefined &&
          (!Array.isArray(c.regions) || !c.regions.every((r) => typeof r === 'string' && r))
        )
          bad('collect.regions', 'a list of region names');
        if (
          c.concurrency !== undefined &&
          (!Number.isInteger(c.concurrency) ||
            (c.concurrency as number) < 1 ||
            (c.concurrency as number) > 64)
        )
          bad('collect.concurrency', 'an integer between 1 and 64');
        if (typeof c.endpointUrl === 'string') {
          try {
            checkWebhookUrl(c.endpointUrl);
          } catch {
            bad('collect.endpointUrl', `${c.endpointUrl} is not an http(s) URL`);
          }
        }
        if (typeof c.provider === 'string') {
          collect = {
            provider: c.provider,
            ...(typeof c.profile === 'string' ? { profile: c.profile } : {}),
            ...(Array.isArray(c.regions) ? { regions: c.regions as string[] } : {}),
            ...(typeof c.org === 'boolean' ? { org: c.org } : {}),
            ...(typeof c.roleName === 'string' ? { roleName: c.roleName } : {}),
            // A fixed `out` would be reused by every run; default is a new directory per run.
            ...(typeof c.out === 'string' ? { out: path.resolve(where.baseDir, c.out) } : {}),
            ...(typeof c.endpointUrl === 'string' ? { endpointUrl: c.endpointUrl } : {}),
            ...(typeof c.concurrency === 'number' ? { concurrency: c.concurrency } : {}),
          };
        }
      }
    }
    if (raw.webhook !== undefined) {
      if (typeof raw.webhook !== 'string') bad('webhook', 'an http(s) URL');
      else
        try {
          checkWebhookUrl(raw.webhook);
        } catch {
          bad('webhook', `${raw.webhook} is not an http(s) URL`);
        }
    }
    const minSeverity = raw.minSeverity ?? 'high';
    if (typeof minSeverity !== 'string' || !(SEVERITIES as readonly string[]).includes(minSeverity))
      bad('minSeverity', `one of ${SEVERITIES.join(', ')}`);
    if (
      raw.lookbackDays !== undefined &&
      (!Number.isInteger(raw.lookbackDays) ||
        (raw.lookbackDays as number) < 1 ||
        (raw.lookbackDays as number) > 3650)
    )
      bad('lookbackDays', 'a whole number of days (1-3650)');
    if (
      raw.queries !== undefined &&
      (!Array.isArray(raw.queries) || !raw.queries.every((q) => typeof q === 'string' && q))
    )
      bad('queries', 'a list of saved query ids');
    defs.push({
      name: String(name),
      cron: String(raw.cron),
      ...(typeof timezone === 'string' ? { timezone } : {}),
      inputs,
      ...(collect ? { collect } : {}),
      ...(typeof raw.webhook === 'string' ? { webhook: raw.webhook } : {}),
      minSeverity: minSeverity as Severity,
      ...(typeof raw.lookbackDays === 'number' ? { lookbackDays: raw.lookbackDays } : {}),
      ...(Array.isArray(raw.queries) ? { queries: raw.queries as string[] } : {}),
    });
  }
  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `Invalid schedule file ${where.file}:\n  ${problems.join('\n  ')}`);
  }
  return defs;
}

const sourceOf = (d: ScheduleDef) =>
  [
    d.collect ? `collect ${d.collect.provider}` : null,
    d.inputs.length > 0 ? `${d.inputs.length} input(s)` : null,
  ]
    .filter(Boolean)
    .join(' + ') || 'the graph as it is';

interface Entry {
  def: ScheduleDef;
  cron: Cron | null;
  running: boolean;
  runs: number;
  lastRun: ScheduleRun | null;
}

export interface SchedulerOptions {
  graph: Graph;
  jobs: JobRegistry;
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  /** How often a run waiting for another job checks again (ms). */
  pollMs?: number;
  /** Webhook retry pacing (tests). */
  webhook?: { attempts?: number; backoffMs?: number; timeoutMs?: number };
}

/** Runs the schedules: one Cron each; a run waits while another import or scan job runs. */
export class Scheduler {
  private readonly entries: Entry[];
  private stopped = false;
  /** Every run, in order (kept for the last 100). */
  readonly history: (ScheduleRun & { schedule: string })[] = [];

  constructor(
    defs: ScheduleDef[],
    private readonly opts: SchedulerOptions,
  ) {
    this.entries = defs.map((def) => ({ def, cron: null, running: false, runs: 0, lastRun: null }));
  }

  start(): void {
    for (const e of this.entries) {
      e.cron = new Cron(
        e.def.cron,
        {
          name: `permgraph-schedule-${e.def.name}`,
          protect: true,
          ...(e.def.timezone ? { timezone: e.def.timezone } : {}),
        },
        () => this.trigger(e),
      );
      this.opts.log(
        'info',
        `schedule ${e.def.name}: "${e.def.cron}", next run ${e.cron.nextRun()?.toISOString()}`,
        {
          schedule: e.def.name,
        },
      );
    }
  }

  /** Stops the timers and waits (at most `ms`) for runs in progress. */
  async stop(ms = 20_000): Promise<void> {
    this.stopped = true;
    for (const e of this.entries) e.cron?.stop();
    const end = Date.now() + ms;
    while (this.entries.some((e) => e.running) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
  }

  status(): ScheduleStatus[] {
    return this.entries.map((e) => ({
      name: e.def.name,
      cron: e.def.cron,
      timezone: e.def.timezone ?? null,
      source: sourceOf(e.def),
      nextRun: this.stopped ? null : (e.cron?.nextRun()?.toISOString() ?? null),
      running: e.running,
      runs: e.runs,
      lastRun: e.lastRun ? { ...e.lastRun } : null,
    }));
  }

  /** One run of a schedule (the Cron callback; also callable directly). Never throws. */
  async trigger(e: Entry): Promise<void> {
    if (e.running || this.stopped) return; // never two runs of one schedule at once
    e.running = true;
    e.runs += 1;
    const run: ScheduleRun = {
      job: null,
      status: 'waiting',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      scan: null,
      newFindings: 0,
      resolvedFindings: 0,
      alerted: 0,
      webhook: null,
      error: null,
    };
    e.lastRun = run;
    this.history.push({ ...run, schedule: e.def.name });
    if (this.history.length > 100) this.history.shift();
    const record = () => {
      const h = this.history.findLast((x) => x.schedule === e.def.name && x.startedAt === run.startedAt);
      if (h) Object.assign(h, run);
    };
    try {
      const summary = await this.runJob(e.def, run);
      if (!summary) {
        run.status = 'failed';
        run.error = 'the server stopped before the run could start';
        return;
      }
      run.scan = summary.scan;
      run.newFindings = summary.diff.newFindings.length;
      run.resolvedFindings = summary.diff.resolvedFindings.length;
      const min = SEVERITY_RANK[e.def.minSeverity];
      const alert = summary.diff.newFindings.filter(
        (f) => (SEVERITY_RANK[f.severity as Severity] ?? 0) >= min,
      );
      run.alerted = alert.length;
      run.status = 'done';
      if (e.def.webhook && alert.length > 0) run.webhook = await this.post(e.def, summary, alert);
      this.opts.log(
        'info',
        `schedule ${e.def.name}: scan ${summary.scan}, ${run.newFindings} new, ${run.alerted} alerted`,
        {
          schedule: e.def.name,
          scan: summary.scan,
        },
      );
    } catch (err) {
      run.status = 'failed';
      run.error = classifyError(err).message;
      this.opts.log('warn', `schedule ${e.def.name}: run failed: ${run.error}`, { schedule: e.def.name });
    } finally {
      run.finishedAt = new Date().toISOString();
      record();
      e.running = false;
    }
  }

  /** Waits until the job registry is free, runs the scan as a job, and returns its summary. */
  private async runJob(def: ScheduleDef, run: ScheduleRun): Promise<ScanSummary | null> {
    const { runScan } = await analyzeModule();
    let settle!: (r: { ok: true; s: ScanSummary } | { ok: false; err: unknown }) => void;
    const finished = new Promise<{ ok: true; s: ScanSummary } | { ok: false; err: unknown }>((r) => {
      settle = r;
    });
    for (;;) {
      if (this.stopped) return null;
      if (!this.opts.jobs.running()) {
        try {
          const job = this.opts.jobs.start('scan', async (progress) => {
            try {
              progress({ stage: 'schedule', message: `scheduled scan "${def.name}"` });
              const s = await runScan(this.opts.graph, {
                inputs: def.inputs,
                ...(def.collect ? { collect: def.collect } : {}),
                ...(def.lookbackDays !== undefined ? { lookbackDays: def.lookbackDays } : {}),
                ...(def.queries ? { queries: def.queries } : {}),
                onProgress: progress,
                log: (m) => progress({ stage: 'log', message: m }),
              });
              settle({ ok: true, s });
              return {
                schedule: def.name,
                scan: s.scan,
                previousScans: s.analysis.previousScans,
                scopes: s.analysis.scopes,
                newFindings: s.diff.newFindings.length,
                resolvedFindings: s.diff.resolvedFindings.length,
                newHighRisk: s.newHighRisk.length,
                ms: s.ms,
              };
            } catch (err) {
              settle({ ok: false, err });
              throw err;
            }
          });
          run.job = job.id;
          run.status = 'running';
          break;
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err;
        }
      }
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 1000));
    }
    const r = await finished;
    if (!r.ok) throw r.err;
    return r.s;
  }

  private async post(def: ScheduleDef, s: ScanSummary, alert: Finding[]): Promise<WebhookResult> {
    const w = await postWebhook(
      def.webhook!,
      {
        schedule: def.name,
        scan: s.scan,
        previousScans: s.analysis.previousScans,
        scopes: s.analysis.scopes,
        minSeverity: def.minSeverity,
        counts: {
          new: s.diff.newFindings.length,
          resolved: s.diff.resolvedFindings.length,
          unchanged: s.diff.unchanged,
          alerted: alert.length,
        },
        new: alert.slice(0, WEBHOOK_MAX),
        truncated: alert.length > WEBHOOK_MAX,
      },
      this.opts.webhook ?? {},
    );
    if (!w.delivered)
      this.opts.log(
        'warn',
        `schedule ${def.name}: webhook not delivered after ${w.attempts} attempt(s): ${w.error}`,
        {
          schedule: def.name,
        },
      );
    return w;
  }
}
