import { describe, expect, it } from 'vitest';
import {
  ALL_LABELS,
  EDGE_TYPES,
  EdgeSets,
  EdgeTypes,
  edgeIndexStatements,
  edgeSetPattern,
  labelsFor,
  NODE_KINDS,
  NodeKinds,
  Ontology,
  PROVIDERS,
  schemaStatements,
} from '../../cypher/schema/index.js';

describe('graph schema', () => {
  it('gives every kind a provider, the Entity label and at least one ontology label', () => {
    for (const k of NODE_KINDS) {
      expect(PROVIDERS).toContain(NodeKinds[k].provider);
      const labels = labelsFor(k);
      expect(labels[0]).toBe(Ontology.Entity);
      expect(labels[1]).toBe(k);
      expect(labels.length).toBeGreaterThan(2);
    }
  });

  it('prefixes provider kinds and edge types with their provider', () => {
    const prefix = { aws: 'AWS', azure: 'AZ', gcp: 'GCP' } as const;
    for (const k of NODE_KINDS) expect(k.startsWith(prefix[NodeKinds[k].provider])).toBe(true);
    for (const t of EDGE_TYPES) {
      const p = EdgeTypes[t].provider;
      if (p !== 'shared') expect(t.startsWith(prefix[p])).toBe(true);
    }
  });

  it('covers all three clouds from the start', () => {
    for (const p of PROVIDERS) {
      expect(NODE_KINDS.filter((k) => NodeKinds[k].provider === p).length).toBeGreaterThan(5);
      expect(EdgeSets.TRAVERSABLE.some((t) => EdgeTypes[t].provider === p)).toBe(true);
    }
    // BloodHound names for Azure, catalogue names for AWS and GCP.
    for (const t of [
      'AZMemberOf',
      'AZHasRole',
      'AZOwns',
      'AZAddSecret',
      'AZGlobalAdmin',
      'AWS_ASSUME_ROLE',
      'AWS_PASSROLE_VIA',
      'GCP_GET_ACCESS_TOKEN',
      'GCP_ACT_AS_VIA',
    ]) {
      expect(EDGE_TYPES).toContain(t);
    }
  });

  it('builds edge sets from the declarations, and traversal never follows effective-access edges', () => {
    expect(EdgeSets.ESCALATION.every((t) => EdgeTypes[t].category === 'escalation')).toBe(true);
    expect(EdgeSets.TRAVERSABLE).not.toContain('CAN_ACCESS');
    expect(EdgeSets.TRAVERSABLE).toContain('AWS_MEMBER_OF');
    expect(EdgeSets.DERIVED).toContain('CAN_ACCESS');
    expect(EdgeSets.DERIVED).not.toContain('AWS_TRUSTS');
    expect(edgeSetPattern('MEMBERSHIP')).toBe('AWS_MEMBER_OF|AZMemberOf|GCP_MEMBER_OF');
  });

  it('only names labels it declares in its constraint and index statements', () => {
    for (const stmt of [...schemaStatements(), ...EDGE_TYPES.flatMap((t) => edgeIndexStatements(t))]) {
      expect(stmt).toMatch(/^CREATE (CONSTRAINT|INDEX|TEXT INDEX) \w+ IF NOT EXISTS FOR /);
      const label = /FOR \(n:(\w+)\)/.exec(stmt)?.[1];
      if (label) expect(ALL_LABELS.has(label)).toBe(true);
      const rel = /FOR \(\)-\[r:(\w+)\]-\(\)/.exec(stmt)?.[1];
      if (rel) expect(EDGE_TYPES).toContain(rel);
    }
  });
});
