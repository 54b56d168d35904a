/**
 * Aggregation of large results: beyond a threshold, plain nodes of one kind in one account
 * collapse into one group node ("AWSRole x 412"), edges are rerouted to the groups and
 * deduplicated. Tier-zero nodes, nodes on escalation edges and pinned nodes always stay.
 */
import type { ElementEdge, ElementNode, GraphElements } from '../api/types';

export const AGGREGATE_THRESHOLD = 2500;

export function aggregateKey(n: ElementNode): string {
  return `agg:${n.data.kind}:${n.data.account ?? n.data.provider}`;
}

export function aggregate(
  els: GraphElements,
  opts: { threshold?: number; keep?: ReadonlySet<string>; expanded?: ReadonlySet<string> } = {},
): { elements: GraphElements; aggregated: boolean } {
  const threshold = opts.threshold ?? AGGREGATE_THRESHOLD;
  if (els.nodes.length <= threshold) return { elements: els, aggregated: false };
  const keep = new Set(opts.keep ?? []);
  for (const e of els.edges) {
    if (e.data.category === 'escalation') {
      keep.add(e.data.source);
      keep.add(e.data.target);
    }
  }
  const groups = new Map<string, ElementNode[]>();
  for (const n of els.nodes) {
    if (keep.has(n.data.id) || n.data.tierZero) continue;
    const key = aggregateKey(n);
    if (opts.expanded?.has(key)) continue;
    const g = groups.get(key);
    if (g) g.push(n);
    else groups.set(key, [n]);
  }
  const memberOf = new Map<string, string>();
  const nodes: ElementNode[] = [];
  for (const [key, members] of groups) {
    if (members.length < 2) continue;
    const first = members[0]!.data;
    for (const m of members) memberOf.set(m.data.id, key);
    nodes.push({
      data: {
        id: key,
        label: `${first.kind} × ${members.length}`,
        kind: first.kind,
        provider: first.provider,
        account: first.account,
        aggregate: true,
        members: members.length,
        memberIds: members.slice(0, 50).map((m) => m.data.id),
      },
    });
  }
  for (const n of els.nodes) if (!memberOf.has(n.data.id)) nodes.push(n);
  const edges = new Map<string, ElementEdge>();
  for (const e of els.edges) {
    const s = memberOf.get(e.data.source) ?? e.data.source;
    const t = memberOf.get(e.data.target) ?? e.data.target;
    if (s === e.data.source && t === e.data.target) {
      edges.set(e.data.id, e);
      continue;
    }
    if (s === t) continue;
    const id = `agg:${s}->${t}:${e.data.type}`;
    const prev = edges.get(id);
    if (prev) prev.data.count = (prev.data.count as number) + 1;
    else edges.set(id, { data: { ...e.data, id, source: s, target: t, count: 1 } });
  }
  return { elements: { nodes, edges: [...edges.values()] }, aggregated: true };
}
