/**
 * The snapshot contract as a JSON Schema (draft 2020-12), generated from cypher/schema so the
 * published file, the validator and the graph can never disagree. `npm run gen:schema`
 * rewrites schema/snapshot-1.0.schema.json; a unit test fails when it is out of date.
 */
import {
  EDGE_TYPES,
  EdgeTypes,
  NODE_KINDS,
  NodeKinds,
  PROVIDERS,
  type PropDef,
  type PropMap,
} from '../../cypher/schema/index.js';
import { SNAPSHOT_SCHEMA_VERSION } from './types.js';

type Json = Record<string, unknown>;

function propSchema(def: PropDef): Json {
  const base: Json = { description: def.description };
  switch (def.type) {
    case 'string':
      return { ...base, type: ['string', 'null'] };
    case 'int':
      return { ...base, type: ['integer', 'null'] };
    case 'float':
      return { ...base, type: ['number', 'null'] };
    case 'bool':
      return { ...base, type: ['boolean', 'null'] };
    case 'datetime':
      return { ...base, type: ['string', 'null'], format: 'date-time' };
    case 'string[]':
      return { ...base, type: ['array', 'null'], items: { type: 'string' } };
    case 'int[]':
      return { ...base, type: ['array', 'null'], items: { type: 'integer' } };
    case 'json':
      return base;
  }
}

function propsObject(props: PropMap): Json {
  const properties: Json = {};
  for (const [k, def] of Object.entries(props)) if (!def.system) properties[k] = propSchema(def);
  return { type: 'object', properties, additionalProperties: false };
}

export function snapshotJsonSchema(): Json {
  const nodeKindRules = NODE_KINDS.map((k) => ({
    if: { properties: { kind: { const: k } }, required: ['kind'] },
    then: { properties: { props: propsObject(NodeKinds[k].props) } },
  }));
  const collectedEdges = EDGE_TYPES.filter((t) => !EdgeTypes[t].derived);
  const edgeRules = collectedEdges.map((t) => ({
    if: { properties: { type: { const: t } }, required: ['type'] },
    then: { properties: { props: propsObject(EdgeTypes[t].props) } },
  }));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://permgraph.dev/schema/snapshot-${SNAPSHOT_SCHEMA_VERSION}.schema.json`,
    title: `permgraph snapshot ${SNAPSHOT_SCHEMA_VERSION}`,
    description:
      'The contract between collectors/importers and permgraph. Node kinds, relationship types and ' +
      'properties are generated from cypher/schema. Derived relationship types are not allowed here.',
    type: 'object',
    required: ['schemaVersion', 'scanId', 'provider', 'createdAt', 'source', 'scopes', 'nodes'],
    additionalProperties: false,
    properties: {
      schemaVersion: { type: 'string', pattern: '^1\\.\\d+$' },
      scanId: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
      provider: { enum: [...PROVIDERS] },
      createdAt: { type: 'string', format: 'date-time' },
      source: {
        type: 'object',
        required: ['kind'],
        properties: {
          kind: { type: 'string' },
          files: { type: 'array', items: { type: 'string' } },
          tool: { type: 'string' },
        },
      },
      scopes: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['id', 'provider', 'kind', 'complete'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: '^(aws|azure|gcp):[^\\s]{1,256}$' },
            provider: { enum: [...PROVIDERS] },
            kind: {
              enum: ['account', 'organization', 'tenant', 'subscription', 'project', 'folder', 'global'],
            },
            name: { type: ['string', 'null'] },
            complete: {
              type: 'boolean',
              description: 'Read completely; only complete scopes have stale data removed',
            },
          },
        },
      },
      nodes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'kind'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', minLength: 1, maxLength: 4096 },
            kind: { enum: [...NODE_KINDS] },
            name: { type: ['string', 'null'] },
            scope: { type: 'string' },
            account: { type: ['string', 'null'] },
            tenant: { type: ['string', 'null'] },
            stub: { type: 'boolean' },
            props: { type: 'object' },
          },
          allOf: nodeKindRules,
        },
      },
      edges: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type', 'source', 'target'],
          additionalProperties: false,
          properties: {
            type: { enum: collectedEdges },
            source: { type: 'string', minLength: 1 },
            target: { type: 'string', minLength: 1 },
            key: { type: 'string' },
            scope: { type: 'string' },
            props: { type: 'object' },
          },
          allOf: edgeRules,
        },
      },
      usage: {
        type: 'array',
        items: {
          type: 'object',
          required: ['subject', 'lastUsed', 'source'],
          additionalProperties: false,
          properties: {
            subject: { type: 'string', minLength: 1 },
            service: { type: 'string' },
            action: { type: 'string' },
            lastUsed: {
              type: ['string', 'null'],
              format: 'date-time',
              description: 'null = tracked and never used',
            },
            trackedSince: { type: ['string', 'null'], format: 'date-time' },
            source: { type: 'string' },
          },
        },
      },
      gaps: {
        type: 'array',
        items: {
          type: 'object',
          required: ['scope', 'api', 'reason', 'message'],
          additionalProperties: false,
          properties: {
            scope: { type: 'string' },
            api: { type: 'string' },
            reason: {
              enum: ['AccessDenied', 'Throttled', 'NotFound', 'Error', 'Unsupported', 'Quarantined'],
            },
            message: { type: 'string' },
            resource: { type: 'string' },
          },
        },
      },
    },
  };
}

export function snapshotJsonSchemaText(): string {
  return `${JSON.stringify(snapshotJsonSchema(), null, 2)}\n`;
}
