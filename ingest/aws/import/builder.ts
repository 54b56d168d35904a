/**
 * Writes one snapshot while the input streams by: collected nodes are written at once, stubs
 * wait to the end and are dropped when the same id was collected, edges and nodes are
 * de-duplicated, usage records whose subject is not a node of the snapshot are dropped.
 */
import type { NodeKind } from '../../../cypher/schema/index.js';
import {
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotEdge,
  type SnapshotGap,
  type SnapshotNode,
  type SnapshotScope,
  type SnapshotSource,
  type UsageRecord,
} from '../../snapshot/types.js';
import { SnapshotWriter } from '../../snapshot/write.js';

export interface StubRef {
  id: string;
  kind: NodeKind;
  scope: string;
  name?: string | null;
  account?: string | null;
}

export class SnapshotBuilder {
  private readonly writer: SnapshotWriter;
  private readonly nodes = new Set<string>();
  private readonly stubs = new Map<string, SnapshotNode>();
  private readonly edges = new Set<string>();
  private readonly usageRecords: UsageRecord[] = [];
  readonly gaps: SnapshotGap[] = [];

  constructor(readonly file: string) {
    this.writer = new SnapshotWriter(file);
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  async node(n: SnapshotNode): Promise<void> {
    if (this.nodes.has(n.id)) return;
    this.nodes.add(n.id);
    this.stubs.delete(n.id);
    const props = n.props
      ? Object.fromEntries(Object.entries(n.props).filter(([, v]) => v !== undefined))
      : undefined;
    await this.writer.node({ ...n, ...(props ? { props } : {}) });
  }

  stub(ref: StubRef): void {
    if (this.nodes.has(ref.id) || this.stubs.has(ref.id)) return;
    this.stubs.set(ref.id, {
      id: ref.id,
      kind: ref.kind,
      name: ref.name ?? null,
      scope: ref.scope,
      ...(ref.account ? { account: ref.account } : {}),
      stub: true,
    });
  }

  async edge(e: SnapshotEdge): Promise<void> {
    const k = `${e.type}\u0000${e.source}\u0000${e.target}\u0000${e.key ?? ''}`;
    if (this.edges.has(k)) return;
    this.edges.add(k);
    await this.writer.edge(e);
  }

  usage(u: UsageRecord): void {
    this.usageRecords.push(u);
  }

  gap(g: SnapshotGap): void {
    this.gaps.push(g);
  }

  get counts() {
    return this.writer.counts;
  }

  async close(header: {
    scanId: string;
    createdAt: string;
    source: SnapshotSource;
    scopes: SnapshotScope[];
  }): Promise<string> {
    for (const s of this.stubs.values()) await this.writer.node(s);
    for (const u of this.usageRecords) {
      if (this.nodes.has(u.subject) || this.stubs.has(u.subject)) await this.writer.usage(u);
    }
    for (const g of this.gaps) await this.writer.gap(g);
    return this.writer.close({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, provider: 'aws', ...header });
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }
}
