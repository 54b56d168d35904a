/** TypeBox schemas shared by every route: error envelope, paging, graph elements, findings. */
import { type TSchema, Type } from '@sinclair/typebox';
import { EDGE_TYPES, EdgeSets, NODE_KINDS, PROVIDERS } from '../../cypher/schema/index.js';

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, e.g. BAD_REQUEST, NOT_FOUND, UNAUTHORIZED' }),
      message: Type.String({ description: 'What is wrong and where' }),
      requestId: Type.String({ description: 'Id of the request in the server log' }),
    }),
  },
  { $id: 'ErrorEnvelope', description: 'Every error response' },
);

const errorRef = Type.Ref(ErrorEnvelope);

/** Error statuses every authenticated route can answer. */
const AUTH_ERRORS = [400, 401, 403, 404, 429, 500, 503, 504] as const;
const PUBLIC_ERRORS = [400, 404, 429, 500, 503] as const;

/** A response map: the given success schemas plus the error envelope for every error status. */
export function responses<T extends Record<number, TSchema>>(
  ok: T,
  opts: { public?: boolean; body?: boolean; extra?: number[] } = {},
): T & Record<number, TSchema> {
  const out: Record<number, TSchema> = { ...ok };
  const codes: number[] = [...(opts.public ? PUBLIC_ERRORS : AUTH_ERRORS), ...(opts.extra ?? [])];
  if (opts.body) codes.push(413, 415);
  for (const c of codes) if (!(c in out)) out[c] = errorRef;
  return out as T & Record<number, TSchema>;
}

/** A string enum as plain JSON Schema (`type` + `enum`), typed as the union of its values. */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  opts: { description?: string; default?: T[number] } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });

export const Role = StringEnum(['reader', 'analyst', 'admin'] as const, {
  description: 'reader < analyst < admin',
});

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const Severity = StringEnum(SEVERITIES, { description: 'Severity' });

export const KindEnum = StringEnum(NODE_KINDS, {
  description: 'Node kind (provider label) from the graph schema',
});
export const ProviderEnum = StringEnum(PROVIDERS, { description: 'Cloud provider' });
export const EdgeSetEnum = StringEnum(Object.keys(EdgeSets) as (keyof typeof EdgeSets)[], {
  description: 'Named edge set from the graph schema',
  default: 'TRAVERSABLE',
});
export const EDGE_TYPE_LIST_PATTERN = `^(${EDGE_TYPES.join('|')})(,(${EDGE_TYPES.join('|')}))*$`;

export const Limit = (def: number, max: number) =>
  Type.Integer({ minimum: 1, maximum: max, default: def, description: `Page size (max ${max})` });
export const Offset = Type.Integer({
  minimum: 0,
  maximum: 1_000_000,
  default: 0,
  description: 'Items to skip',
});

export const Paged = <T extends TSchema>(item: T, description: string) =>
  Type.Object(
    {
      items: Type.Array(item),
      total: Type.Integer({ description: 'Items matching, over all pages' }),
      limit: Type.Integer(),
      offset: Type.Integer(),
    },
    { description },
  );

/** A free-form JSON object (kept whole by the serializer). */
export const AnyObject = (description: string) =>
  Type.Object({}, { additionalProperties: true, description });

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export { Nullable };

export const ElementNode = Type.Object(
  {
    data: Type.Object(
      {
        id: Type.String({ description: 'Our node id (ARN, object id...), never a Neo4j element id' }),
        label: Type.String(),
        kind: Type.String(),
        provider: Type.String(),
        account: Type.Optional(Type.String()),
        tierZero: Type.Optional(Type.Boolean()),
        pci: Type.Optional(Type.Number()),
      },
      { additionalProperties: true },
    ),
  },
  { $id: 'ElementNode' },
);

export const ElementEdge = Type.Object(
  {
    data: Type.Object({
      id: Type.String(),
      source: Type.String(),
      target: Type.String(),
      type: Type.String(),
      category: Type.String(),
      technique: Type.Optional(Type.String()),
      reason: Type.Optional(Type.String()),
      conditional: Type.Optional(Type.Boolean()),
      derived: Type.Optional(Type.Boolean()),
      unused: Type.Optional(Type.Boolean()),
    }),
  },
  { $id: 'ElementEdge' },
);

export const GraphElements = Type.Object(
  { nodes: Type.Array(Type.Ref(ElementNode)), edges: Type.Array(Type.Ref(ElementEdge)) },
  { $id: 'GraphElements', description: 'Cytoscape.js elements' },
);

export const Finding = Type.Object(
  {
    fingerprint: Type.String(),
    queryId: Type.String(),
    title: Type.String(),
    severity: Type.String(),
    subjectId: Type.String(),
    subjectName: Type.String(),
    provider: Type.String(),
    account: Type.Optional(Nullable(Type.String())),
    scope: Type.Optional(
      Type.String({
        description:
          "Scope the finding belongs to (e.g. aws:111111111111): the subject's, or the target's for an outside subject; scans diff per scope",
      }),
    ),
    status: Type.String({ description: 'new, open or resolved' }),
    firstSeen: Type.String(),
    lastSeen: Type.String(),
    evidence: Type.Record(Type.String(), Type.Unknown()),
    path: Type.Optional(Nullable(Type.Array(Type.String()))),
    elements: Type.Optional(Type.Ref(GraphElements)),
  },
  { $id: 'Finding', additionalProperties: true },
);

export const QueryResult = Type.Object(
  {
    columns: Type.Array(Type.String()),
    rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    truncated: Type.Boolean({ description: 'More rows than the row limit' }),
    ms: Type.Number(),
    graph: Type.Optional(Type.Ref(GraphElements)),
  },
  { $id: 'QueryResult' },
);

/** Schemas registered with app.addSchema (referenced by $ref, shown under components). */
export const SharedSchemas = [ErrorEnvelope, ElementNode, ElementEdge, GraphElements, Finding, QueryResult];
