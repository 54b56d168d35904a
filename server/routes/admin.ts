/** Imports, scans and their progress (server-sent events), API tokens. Admin only. */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../cypher/errors.js';
import { detectFormat, importFiles } from '../../ingest/pipeline.js';
import { analyzeModule } from '../analyses.js';
import type { App, AppContext } from '../app.js';
import { logSafe } from '../errors.js';
import type { JobEvent } from '../jobs.js';
import { Nullable, Role, responses } from '../schemas/common.js';
import { createToken, listTokens, revokeToken } from '../tokens.js';

const JobStarted = Type.Object({
  id: Type.String({ description: 'Job id; follow it at GET /scans/{id}/events' }),
  kind: Type.String({ description: 'import or scan' }),
  events: Type.String({ description: 'URL of the progress stream' }),
});

interface Upload {
  file: string;
  dir: string;
  bytes: number;
}

class TooLarge extends Error {
  readonly statusCode = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** Streams a request body to a new temp file, refusing more than `limit` bytes. */
async function saveUpload(source: NodeJS.ReadableStream, limit: number, gz: boolean): Promise<Upload> {
  const dir = await mkdtemp(path.join(tmpdir(), 'permgraph-upload-'));
  const file = path.join(dir, gz ? 'upload.json.gz' : 'upload.json');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > limit)
        cb(
          new TooLarge(`The upload is larger than the limit of ${limit} bytes (PERMGRAPH_API_IMPORT_LIMIT)`),
        );
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(source, counter, createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { file, dir, bytes };
}

function isGzipName(name: string | undefined): boolean {
  return typeof name === 'string' && name.toLowerCase().endsWith('.gz');
}

export async function adminRoutes(app: App, ctx: AppContext): Promise<void> {
  const { graph, jobs } = ctx;

  const startJob = async (
    kind: 'import' | 'scan',
    upload: Upload | null,
    log: App['log'],
  ): Promise<{ id: string; kind: string; events: string }> => {
    try {
      if (upload) detectFormat(upload.file);
      const job = jobs.start(
        kind,
        async (progress) => {
          try {
            if (kind === 'scan') {
              const { runScan } = await analyzeModule();
              const s = await runScan(graph, { inputs: upload ? [upload.file] : [], onProgress: progress });
              // The stream ends with a summary; the findings themselves are at /scans/{id}/diff.
              return {
                scan: s.scan,
                previousScan: s.previousScan,
                imported: s.imported,
                derived: s.derived.map((d) => ({
                  provider: d.provider,
                  edges: d.edges,
                  tierZero: d.tierZero,
                })),
                newFindings: s.diff.newFindings.length,
                resolvedFindings: s.diff.resolvedFindings.length,
                newHighRisk: s.newHighRisk.slice(0, 100).map((x) => ({
                  fingerprint: x.fingerprint,
                  title: x.title,
                  severity: x.severity,
                  subjectId: x.subjectId,
                })),
                ms: s.ms,
              };
            }
            const r = await importFiles(graph, [upload!.file], {
              log: (m) => progress({ stage: 'import', message: m }),
              onProgress: (_f, p) =>
                progress({
                  stage: p.phase,
                  message: `${p.phase} ${p.done}/${p.total}`,
                  ...(p.total > 0 ? { pct: Math.round((100 * p.done) / p.total) } : {}),
                }),
            });
            return {
              scans: r.loads.map((l) => l.scanId),
              nodes: r.loads.reduce((n, l) => n + l.nodes, 0),
              edges: r.loads.reduce((n, l) => n + l.edges, 0),
              gaps: r.loads.reduce((n, l) => n + l.gaps, 0),
              derived: r.derived.map((d) => ({ provider: d.provider, edges: d.edges, tierZero: d.tierZero })),
              warnings: r.warnings.length,
            };
          } finally {
            if (upload) await rm(upload.dir, { recursive: true, force: true });
          }
        },
        (err) => log.warn({ err: logSafe(err) }, `${kind} failed`),
      );
      return { id: job.id, kind, events: `/api/v1/scans/${job.id}/events` };
    } catch (err) {
      if (upload) await rm(upload.dir, { recursive: true, force: true });
      throw err;
    }
  };

  // Uploads: raw JSON (or gzip) bodies stream to a temp file; multipart is handled by the plugin.
  await app.register(async (up) => {
    const u = up as unknown as App;
    await u.register(multipart, {
      limits: { fileSize: ctx.config.importLimit, files: 1, fields: 5, parts: 6 },
    });
    u.addContentTypeParser(
      ['application/json', 'application/gzip', 'application/octet-stream'],
      (req, payload, done) => {
        saveUpload(payload, ctx.config.importLimit, String(req.headers['content-type']).includes('gzip'))
          .then((r) => done(null, r))
          .catch((err: Error) => done(err, undefined));
      },
    );
    u.post(
      '/imports',
      {
        config: { auth: 'admin' },
        bodyLimit: ctx.config.importLimit,
        schema: {
          tags: ['admin'],
          summary:
            'Upload a snapshot or an AWS authorization-details file and import it (or scan with ?scan=true)',
          description:
            'Send the file as the raw body (application/json, or application/gzip for a .json.gz snapshot) or as multipart/form-data field `file`. The import runs in the background; follow GET /scans/{id}/events.',
          querystring: Type.Object({
            scan: Type.Optional(
              Type.Boolean({ description: 'Run a whole scan (import, derive, analyze, diff)' }),
            ),
          }),
          consumes: ['application/json', 'application/gzip', 'multipart/form-data'],
          body: Type.Unknown({ description: 'The file (raw body or multipart field `file`)' }),
          response: responses({ 202: JobStarted }, { body: true, extra: [409] }),
        },
      },
      async (req, reply) => {
        let upload: Upload | null = null;
        if (req.isMultipart()) {
          const part = await req.file();
          if (!part) throw new AppError('BAD_REQUEST', 'body: multipart upload has no file part');
          upload = await saveUpload(part.file, ctx.config.importLimit, isGzipName(part.filename));
          if (part.file.truncated) {
            await rm(upload.dir, { recursive: true, force: true });
            throw new TooLarge(`The upload is larger than the limit of ${ctx.config.importLimit} bytes`);
          }
        } else {
          const b = req.body as Upload | undefined;
          if (!b || typeof b.file !== 'string') throw new AppError('BAD_REQUEST', 'body: no file uploaded');
          upload = b;
        }
        if (upload.bytes === 0) {
          await rm(upload.dir, { recursive: true, force: true });
          throw new AppError('BAD_REQUEST', 'body: the uploaded file is empty');
        }
        const r = await startJob(req.query.scan ? 'scan' : 'import', upload, req.log);
        return reply.code(202).send(r);
      },
    );
  });

  app.post(
    '/scans',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Start a scan of the current graph: derive, analyze, diff against the previous scan',
        body: Type.Optional(Type.Object({}, { description: 'No options yet' })),
        response: responses({ 202: JobStarted }, { body: true, extra: [409] }),
      },
    },
    async (req, reply) => reply.code(202).send(await startJob('scan', null, req.log)),
  );

  app.get(
    '/scans/:id/events',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Progress of an import or scan job as server-sent events',
        description:
          'text/event-stream: `progress` events with `{stage, message, pct?}`, then one `done` (the result) or `error` (`{code, message}`). Earlier events are replayed. Use fetch with the Authorization header (EventSource cannot send it).',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'Job id' }) }),
        produces: ['text/event-stream'],
        response: responses({ 200: Type.String({ description: 'text/event-stream' }) }),
      },
    },
    async (req, reply) => {
      const job = jobs.get(req.params.id);
      if (!job) throw new AppError('NOT_FOUND', `No import or scan job "${req.params.id.slice(0, 100)}"`);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-content-type-options': 'nosniff',
        'x-accel-buffering': 'no',
      });
      const write = (e: JobEvent) => res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      let closed = false;
      const finish = () => {
        if (closed) return;
        closed = true;
        clearInterval(ping);
        job.emitter.off('event', onEvent);
        res.end();
      };
      const onEvent = (e: JobEvent) => {
        write(e);
        if (e.event !== 'progress') finish();
      };
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      for (const e of job.events) write(e);
      if (job.state !== 'running') return finish();
      job.emitter.on('event', onEvent);
      req.raw.on('close', finish);
    },
  );

  const TokenInfo = Type.Object({
    id: Type.String(),
    role: Type.String(),
    name: Type.String(),
    createdAt: Nullable(Type.String()),
    lastUsedAt: Nullable(Type.String()),
    revoked: Type.Boolean(),
  });

  app.post(
    '/tokens',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Create an API token (the token is shown once; only its hash is stored)',
        body: Type.Object({ role: Role, name: Type.Optional(Type.String({ maxLength: 200, default: '' })) }),
        response: responses(
          {
            201: Type.Object({
              id: Type.String(),
              token: Type.String(),
              role: Type.String(),
              name: Type.String(),
            }),
          },
          { body: true },
        ),
      },
    },
    async (req, reply) => {
      const t = await createToken(graph, req.body.role, req.body.name ?? '');
      return reply.code(201).send(t);
    },
  );

  app.get(
    '/tokens',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'API tokens (never the secrets)',
        response: responses({
          200: Type.Object({
            items: Type.Array(TokenInfo),
            total: Type.Integer(),
            limit: Type.Integer(),
            offset: Type.Integer(),
          }),
        }),
      },
    },
    async () => {
      const items = await listTokens(graph);
      return { items, total: items.length, limit: items.length, offset: 0 };
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API token',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'Token id' }) }),
        response: responses({ 200: Type.Object({ id: Type.String(), revoked: Type.Boolean() }) }),
      },
    },
    async (req) => {
      await revokeToken(graph, req.params.id);
      ctx.verifier.forget();
      return { id: req.params.id, revoked: true };
    },
  );
}
