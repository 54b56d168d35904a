/**
 * The snapshot: the one contract between collection and everything else.
 * A versioned JSON document; collectors and importers end here, derive and load replay from it.
 */
import type { EdgeType, NodeKind, Provider } from '../../cypher/schema/index.js';

export const SNAPSHOT_SCHEMA_VERSION = '1.0';

export type PropValue =
  | string
  | number
  | boolean
  | null
  | readonly string[]
  | Record<string, unknown>
  | readonly unknown[];

export interface SnapshotScope {
  /** Scope key, e.g. aws:123456789012, azure:<tenant id>, gcp:organizations/123. */
  id: string;
  provider: Provider;
  /**
   * `global` holds provider-wide objects every scope may reference (AWS-managed policies,
   * service principals, "anyone"); it is merged idempotently and never cleaned up.
   */
  kind: 'account' | 'organization' | 'tenant' | 'subscription' | 'project' | 'folder' | 'global';
  name?: string | null;
  /**
   * Whether the collector read this scope completely. Only complete scopes have stale data
   * removed after load; a partial scope keeps its old data.
   */
  complete: boolean;
}

export interface SnapshotNode {
  id: string;
  kind: NodeKind;
  name?: string | null;
  /** Load scope; may be omitted when the snapshot has exactly one scope. */
  scope?: string;
  account?: string | null;
  tenant?: string | null;
  /** Referenced but not collected here: created if missing, never overwrites a collected node. */
  stub?: boolean;
  props?: Record<string, PropValue>;
}

export interface SnapshotEdge {
  type: EdgeType;
  source: string;
  target: string;
  /** Discriminator when several edges of one type join the same pair. */
  key?: string;
  scope?: string;
  props?: Record<string, PropValue>;
}

export interface UsageRecord {
  /** Node the usage is about (identity, credential). */
  subject: string;
  /** Service namespace (AWS s3); omitted for identity-level usage. */
  service?: string;
  /** Full action name when the cloud reports usage per action. */
  action?: string;
  /** ISO time of last use; null means "tracked and never used". */
  lastUsed: string | null;
  /** Start of the tracking window, when known. */
  trackedSince?: string | null;
  source: string;
}

export type GapReason = 'AccessDenied' | 'Throttled' | 'NotFound' | 'Error' | 'Unsupported' | 'Quarantined';

export interface SnapshotGap {
  scope: string;
  /** API or file area that could not be read, e.g. iam:GetAccountAuthorizationDetails. */
  api: string;
  reason: GapReason;
  message: string;
  /** The object concerned, when there is one (e.g. a policy ARN). */
  resource?: string;
}

export interface SnapshotSource {
  kind: string;
  files?: string[];
  tool?: string;
}

export interface SnapshotHeader {
  schemaVersion: string;
  scanId: string;
  provider: Provider;
  createdAt: string;
  source: SnapshotSource;
  scopes: SnapshotScope[];
}

export interface Snapshot extends SnapshotHeader {
  nodes: SnapshotNode[];
  edges: SnapshotEdge[];
  usage: UsageRecord[];
  gaps: SnapshotGap[];
}

export type SnapshotSection = 'nodes' | 'edges' | 'usage' | 'gaps';
export const SNAPSHOT_SECTIONS: readonly SnapshotSection[] = ['nodes', 'edges', 'usage', 'gaps'];

export interface SectionItem {
  nodes: SnapshotNode;
  edges: SnapshotEdge;
  usage: UsageRecord;
  gaps: SnapshotGap;
}
