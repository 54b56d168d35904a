/**
 * moto in server mode for the AWS collector tests: `moto[server]` (pinned) is installed from
 * PyPI into a virtualenv under ~/.cache/permgraph/moto-venv on first use, started on
 * 127.0.0.1 on a free port, and stopped after. Without python3/venv the tests skip locally and
 * fail with CI=true.
 *
 * Where moto lacks an API (IAM access advisor), `startIamStandIn` puts a node:http server in
 * front of moto that answers those actions itself, in the documented IAM query-protocol XML,
 * and forwards every other request to moto, so the real SDK client talks to one endpoint.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { cacheRoot } from '../../cypher/db/config.js';

export const MOTO_VERSION = '5.2.5';

export interface MotoServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const venvDir = () => path.join(cacheRoot(), 'moto-venv');
const bin = (name: string) => path.join(venvDir(), 'bin', name);

function installedVersion(): string | null {
  if (!existsSync(bin('python'))) return null;
  try {
    return execFileSync(bin('python'), ['-c', 'import moto, flask; print(moto.__version__)'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return null;
  }
}

/** Makes sure the virtualenv holds moto[server] at the pinned version. Returns a reason when it cannot. */
export function ensureMoto(): { ok: true } | { ok: false; reason: string } {
  if (installedVersion() === MOTO_VERSION && existsSync(bin('moto_server'))) return { ok: true };
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
  } catch {
    return { ok: false, reason: 'python3 is not installed (needed for moto)' };
  }
  try {
    mkdirSync(cacheRoot(), { recursive: true });
    if (!existsSync(bin('python'))) execFileSync('python3', ['-m', 'venv', venvDir()], { stdio: 'pipe' });
    execFileSync(
      bin('pip'),
      ['install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`],
      {
        stdio: 'pipe',
        timeout: 600_000,
      },
    );
  } catch (err) {
    const e = err as { stderr?: Buffer; message?: string };
    return {
      ok: false,
      reason: `cannot install moto[server]==${MOTO_VERSION} into ${venvDir()}: ${e.stderr?.toString().slice(-500) ?? e.message}`,
    };
  }
  return installedVersion() === MOTO_VERSION ? { ok: true } : { ok: false, reason: 'moto did not install' };
}

/** Throws with CI=true (a missing prerequisite fails there); returns the skip reason otherwise. */
export function motoUnavailable(): string | null {
  const r = ensureMoto();
  if (r.ok) return null;
  if (process.env.CI === 'true') throw new Error(`moto is required for the AWS collector tests: ${r.reason}`);
  return r.reason;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitUp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(url, (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 500);
      });
      req.on('error', () => resolve(false));
      req.setTimeout(1000, () => {
        req.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms`);
}

export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn(bin('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUp(`${endpoint}/moto-api/`, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

// ------------------------------------------------------------------ IAM access-advisor stand-in

export interface AdvisorService {
  ServiceNamespace: string;
  ServiceName: string;
  LastAuthenticated?: string;
  TotalAuthenticatedEntities: number;
  TrackedActionsLastAccessed?: { ActionName: string; LastAccessedTime?: string }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

function xml(action: string, result: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<${action}Response xmlns="${NS}">
  <${action}Result>${result}</${action}Result>
  <ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>
</${action}Response>`;
}

function servicesXml(services: AdvisorService[]): string {
  return services
    .map(
      (s) => `<member>
  <ServiceName>${esc(s.ServiceName)}</ServiceName>
  <ServiceNamespace>${esc(s.ServiceNamespace)}</ServiceNamespace>
  ${s.LastAuthenticated ? `<LastAuthenticated>${s.LastAuthenticated}</LastAuthenticated><LastAuthenticatedRegion>us-east-1</LastAuthenticatedRegion>` : ''}
  <TotalAuthenticatedEntities>${s.TotalAuthenticatedEntities}</TotalAuthenticatedEntities>
  ${
    s.TrackedActionsLastAccessed
      ? `<TrackedActionsLastAccessed>${s.TrackedActionsLastAccessed.map(
          (a) =>
            `<member><ActionName>${esc(a.ActionName)}</ActionName>${a.LastAccessedTime ? `<LastAccessedTime>${a.LastAccessedTime}</LastAccessedTime><LastAccessedRegion>us-east-1</LastAccessedRegion>` : ''}</member>`,
        ).join('')}</TrackedActionsLastAccessed>`
      : ''
  }
</member>`,
    )
    .join('');
}

export interface IamStandIn {
  endpoint: string;
  /** Requests answered by the stand-in (action names), for assertions. */
  answered: string[];
  stop(): Promise<void>;
}

/**
 * Answers GenerateServiceLastAccessedDetails / GetServiceLastAccessedDetails from `advisor`
 * (principal ARN -> services; a principal not listed gets an empty list) and forwards all
 * other requests to moto. The first Get of each job answers IN_PROGRESS, as AWS does; the
 * first `throttleFirst` access-advisor calls are throttled, as IAM throttles them.
 */
export async function startIamStandIn(
  moto: string,
  advisor: Record<string, AdvisorService[]>,
  opts: { throttleFirst?: number } = {},
): Promise<IamStandIn> {
  let throttleLeft = opts.throttleFirst ?? 0;
  const jobs = new Map<string, { arn: string; polls: number }>();
  const answered: string[] = [];
  const target = new URL(moto);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('utf8'));
      const action = req.method === 'POST' ? form.get('Action') : null;
      if (
        throttleLeft > 0 &&
        (action === 'GenerateServiceLastAccessedDetails' || action === 'GetServiceLastAccessedDetails')
      ) {
        // Throttled as IAM does it: HTTP 400, code Throttling, in the query-protocol error shape.
        throttleLeft -= 1;
        answered.push(`${action}:Throttling`);
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
        return;
      }
      if (action === 'GenerateServiceLastAccessedDetails') {
        answered.push(action);
        const id = randomUUID();
        jobs.set(id, { arn: form.get('Arn') ?? '', polls: 0 });
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(xml(action, `<JobId>${id}</JobId>`));
        return;
      }
      if (action === 'GetServiceLastAccessedDetails') {
        answered.push(action);
        const job = jobs.get(form.get('JobId') ?? '');
        if (!job) {
          res.writeHead(400, { 'content-type': 'text/xml' });
          res.end(
            `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>no such job</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
          );
          return;
        }
        job.polls += 1;
        const created = '2026-11-27T11:00:00Z';
        const inProgress = job.polls === 1;
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          xml(
            action,
            inProgress
              ? `<JobStatus>IN_PROGRESS</JobStatus><JobType>ACTION_LEVEL</JobType><JobCreationDate>${created}</JobCreationDate><ServicesLastAccessed></ServicesLastAccessed><JobCompletionDate>${created}</JobCompletionDate><IsTruncated>false</IsTruncated>`
              : `<JobStatus>COMPLETED</JobStatus><JobType>ACTION_LEVEL</JobType><JobCreationDate>${created}</JobCreationDate><ServicesLastAccessed>${servicesXml(advisor[job.arn] ?? [])}</ServicesLastAccessed><JobCompletionDate>2026-11-27T11:00:05Z</JobCompletionDate><IsTruncated>false</IsTruncated>`,
          ),
        );
        return;
      }
      const fwd = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `${target.hostname}:${target.port}` },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      fwd.end(body);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    answered,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
