/** Findings, scans, scan diffs and PCI summaries (analyses module). */
import { Type } from '@sinclair/typebox';
import { AppError } from '../../cypher/errors.js';
import { analyzeModule } from '../analyses.js';
import type { App, AppContext } from '../app.js';
import {
  AnyObject,
  Finding,
  Limit,
  Offset,
  Paged,
  ProviderEnum,
  responses,
  SEVERITIES,
  StringEnum,
} from '../schemas/common.js';

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 512, description });
const SEVERITY_LIST = `^(${SEVERITIES.join('|')})(,(${SEVERITIES.join('|')}))*$`;

const Scan = AnyObject('A scan: id, kind, status, timings, counts');
const Pci = AnyObject('PCI of one account, subscription, project or identity');

/** Lists from the analyses module, as `{items, total}` whatever array shape they come in. */
function asList(value: unknown): { items: Record<string, unknown>[]; total: number } {
  if (Array.isArray(value)) return { items: value, total: value.length };
  const v = value as { items?: unknown; total?: unknown } | undefined;
  const items = Array.isArray(v?.items) ? (v.items as Record<string, unknown>[]) : [];
  return { items, total: typeof v?.total === 'number' ? v.total : items.length };
}

export async function analysisRoutes(app: App, ctx: AppContext): Promise<void> {
  const graph = ctx.graph;

  app.get(
    '/findings',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['findings'],
        summary: 'Findings, most severe first',
        querystring: Type.Object({
          severity: Type.Optional(
            Type.String({
              pattern: SEVERITY_LIST,
              description: 'Comma-separated severities, e.g. critical,high',
            }),
          ),
          status: Type.Optional(StringEnum(['new', 'open', 'resolved'] as const)),
          scan: Type.Optional(Id('Scan id')),
          provider: Type.Optional(ProviderEnum),
          account: Type.Optional(Id('Account, subscription or project id')),
          query: Type.Optional(Id('Saved query id')),
          limit: Type.Optional(Limit(50, 500)),
          offset: Type.Optional(Offset),
        }),
        response: responses({ 200: Paged(Type.Ref(Finding), 'Findings') }),
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      const { listFindings } = await analyzeModule();
      const r = await listFindings(graph, {
        ...(q.severity ? { severity: q.severity.split(',') } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.scan ? { scan: q.scan } : {}),
        ...(q.provider ? { provider: q.provider } : {}),
        ...(q.account ? { account: q.account } : {}),
        ...(q.query ? { query: q.query } : {}),
        limit,
        offset,
      });
      return { items: r.items, total: r.total, limit, offset };
    },
  );

  app.get(
    '/findings/:fingerprint',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['findings'],
        summary: 'One finding, with its path as graph elements for path findings',
        params: Type.Object({ fingerprint: Id('Finding fingerprint') }),
        response: responses({ 200: Type.Ref(Finding) }),
      },
    },
    async (req) => {
      const { getFinding } = await analyzeModule();
      const f = await getFinding(graph, req.params.fingerprint);
      if (!f) throw new AppError('NOT_FOUND', `No finding "${req.params.fingerprint.slice(0, 200)}"`);
      return f;
    },
  );

  app.get(
    '/scans',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['findings'],
        summary: 'Scans, newest first',
        querystring: Type.Object({ limit: Type.Optional(Limit(50, 500)), offset: Type.Optional(Offset) }),
        response: responses({ 200: Paged(Scan, 'Scans') }),
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const offset = req.query.offset ?? 0;
      const { listScans } = await analyzeModule();
      return { ...asList(await listScans(graph, { limit, offset })), limit, offset };
    },
  );

  app.get(
    '/scans/:id',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['findings'],
        summary: 'One scan',
        params: Type.Object({ id: Id('Scan id') }),
        response: responses({ 200: Scan }),
      },
    },
    async (req) => {
      const { getScan } = await analyzeModule();
      const s = await getScan(graph, req.params.id);
      if (!s) throw new AppError('NOT_FOUND', `No scan "${req.params.id.slice(0, 200)}"`);
      return s;
    },
  );

  app.get(
    '/scans/:id/diff',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['findings'],
        summary: 'What changed between an earlier scan (`against`, default the previous scan) and this one',
        params: Type.Object({ id: Id('Scan id (the later scan)') }),
        querystring: Type.Object({ against: Type.Optional(Id('Earlier scan id')) }),
        response: responses({
          200: Type.Object(
            {
              from: Type.Unknown(),
              to: Type.Unknown(),
              newFindings: Type.Array(Type.Ref(Finding)),
              resolvedFindings: Type.Array(Type.Ref(Finding)),
              newPaths: Type.Optional(Type.Number()),
            },
            { additionalProperties: true },
          ),
        }),
      },
    },
    async (req) => {
      const { getScan, diffScans, diffWithPrevious } = await analyzeModule();
      let against = req.query.against;
      if (against === undefined) {
        if (diffWithPrevious) return diffWithPrevious(graph, req.params.id);
        const s = await getScan(graph, req.params.id);
        if (!s) throw new AppError('NOT_FOUND', `No scan "${req.params.id.slice(0, 200)}"`);
        if (typeof s.previousScan !== 'string' || s.previousScan === '') {
          throw new AppError(
            'BAD_REQUEST',
            'against: the scan has no previous scan; give `against=<scan id>`',
          );
        }
        against = s.previousScan;
      }
      return diffScans(graph, against, req.params.id);
    },
  );

  app.get(
    '/pci',
    {
      config: { auth: 'reader' },
      schema: {
        tags: ['findings'],
        summary: 'Permission Creep Index per account, subscription, project or identity',
        querystring: Type.Object({
          level: Type.Optional(
            StringEnum(['account', 'subscription', 'project', 'identity'] as const, { default: 'account' }),
          ),
          provider: Type.Optional(ProviderEnum),
          limit: Type.Optional(Limit(50, 500)),
          offset: Type.Optional(Offset),
        }),
        response: responses({ 200: Paged(Pci, 'PCI summaries, highest first') }),
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const offset = req.query.offset ?? 0;
      const { pciSummary } = await analyzeModule();
      const r = await pciSummary(graph, {
        level: req.query.level ?? 'account',
        ...(req.query.provider ? { provider: req.query.provider } : {}),
        limit,
        offset,
      });
      return { ...asList(r), limit, offset };
    },
  );
}
