/**
 * Shapes of the permgraph REST API (/api/v1), as the contract between the api and explorer
 * branches defines them. The explorer talks to nothing else.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface ElementNodeData {
  id: string;
  label: string;
  kind: string;
  provider: string;
  account?: string;
  tierZero?: boolean;
  pci?: number;
  [k: string]: unknown;
}
export interface ElementEdgeData {
  id: string;
  source: string;
  target: string;
  type: string;
  category: string;
  technique?: string;
  reason?: string;
  conditional?: boolean;
  derived?: boolean;
  unused?: boolean;
  [k: string]: unknown;
}
export interface ElementNode {
  data: ElementNodeData;
  position?: { x: number; y: number };
}
export interface ElementEdge {
  data: ElementEdgeData;
}
export interface GraphElements {
  nodes: ElementNode[];
  edges: ElementEdge[];
}

export interface ListResponse<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Health {
  status: 'ok' | 'degraded';
  neo4j: boolean;
  version: string;
}
export interface Me {
  role: 'reader' | 'analyst' | 'admin';
  tokenId: string;
  name: string;
}

export interface SchemaKind {
  kind: string;
  provider: string;
  labels: string[];
  description: string;
}
export interface SchemaEdge {
  type: string;
  provider: string;
  category: 'structural' | 'effective' | 'escalation' | string;
  derived: boolean;
  traversable: boolean;
  description: string;
  techniques?: string[];
}
export interface Schema {
  kinds: SchemaKind[];
  edges: SchemaEdge[];
  edgeSets: Record<string, string[]>;
}

export interface NodeSummary {
  id: string;
  name: string;
  kind: string;
  provider: string;
  account?: string;
  tierZero?: boolean;
  pci?: number;
}

export interface ServiceAccess {
  service: string;
  actionCount: number;
  highRiskCount: number;
  usedCount: number;
  lastUsed?: string | null;
}
export interface NodeDetail {
  node: NodeSummary & {
    tierZeroReason?: string;
    pciLevel?: string;
    properties: Record<string, unknown>;
  };
  access: {
    granted: number;
    used: number;
    unused: number;
    highRiskGranted: number;
    highRiskUnused: number;
    usageKnown: boolean;
    services: ServiceAccess[];
  };
  findings: Finding[];
  degree: { in: number; out: number };
}

export interface Neighbours {
  elements: GraphElements;
  truncated: boolean;
  countsByType: Record<string, number>;
}

export interface Hop {
  from: string;
  to: string;
  type: string;
  technique?: string;
  reason: string;
  grantedBy?: unknown;
  conditional: boolean;
}
export interface PathsResult {
  paths: Array<{ length: number; nodes: string[]; hops: Hop[] }>;
  elements: GraphElements;
  ms: number;
}

export interface QueryParam {
  name: string;
  type: 'string' | 'int' | 'float' | 'bool' | 'string[]';
  default?: unknown;
  description: string;
  required?: boolean;
}
export interface SavedQuery {
  id: string;
  title: string;
  category: string;
  severity: Severity;
  description: string;
  params: QueryParam[];
  result: 'graph' | 'table';
  references: string[];
  providers: string[];
  cypher?: string;
}
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  ms: number;
  graph?: GraphElements;
}

export interface Finding {
  fingerprint: string;
  queryId: string;
  title: string;
  severity: Severity | string;
  subjectId: string;
  subjectName: string;
  provider: string;
  account?: string;
  status: 'new' | 'open' | 'resolved';
  firstSeen: string;
  lastSeen: string;
  evidence: Record<string, unknown>;
  path?: string[];
  elements?: GraphElements;
}

export interface Scan {
  id: string;
  status?: string;
  startedAt?: string;
  finishedAt?: string;
  findingsNew?: number;
  findingsResolved?: number;
  [k: string]: unknown;
}

export type PciLevel = 'account' | 'subscription' | 'project' | 'identity';
export type PciRow = Record<string, unknown>;

export interface ApiErrorBody {
  error: { code: string; message: string; requestId?: string };
}
