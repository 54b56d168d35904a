/**
 * Permission Creep Index (PCI): 0-100 per identity, from the high-risk actions it was granted
 * and did not use within the lookback window, weighted by its resource reach; rolled up per
 * account / subscription / project. The formula and worked examples are in docs/pci.md; the
 * pure functions here are what the tests check against hand-computed cases.
 */
import neo4j from 'neo4j-driver';
import type { Graph } from '../cypher/db/graph.js';

export type PciLevel = 'low' | 'medium' | 'high';

/** Unused high-risk actions at which the risk term reaches one half. */
export const PCI_HALF_POINT = 50;

/** Low 0-33, Medium 34-66, High 67-100 (the Microsoft Graph API buckets). */
export function pciLevel(score: number): PciLevel {
  if (score >= 67) return 'high';
  if (score >= 34) return 'medium';
  return 'low';
}

/**
 * PCI = 0 when nothing high-risk is unused; otherwise
 * round(100 * U / (U + 50) * (0.5 + 0.5 * R)), U = unused high-risk actions, R = reach in [0, 1].
 */
export function pciScore(unusedHighRisk: number, reach: number): number {
  const u = Math.max(0, unusedHighRisk);
  if (u === 0) return 0;
  const r = Math.min(1, Math.max(0, reach));
  return Math.round(100 * (u / (u + PCI_HALF_POINT)) * (0.5 + 0.5 * r));
}

/** Roll-up of identity scores: round(0.5 * max + 0.5 * mean); 0 for no identities. */
export function rollupPci(scores: number[]): number {
  if (scores.length === 0) return 0;
  const max = Math.max(...scores);
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return Math.round(0.5 * max + 0.5 * mean);
}

/** One CAN_ACCESS grant as the PCI sees it. */
export interface PciGrant {
  service: string;
  highRiskCount: number;
  highRiskActions: string[];
  usedActions: string[];
  /** ISO time of the last use of the service by this identity (edge usage), null if none. */
  lastUsed: string | null;
  usageKnown: boolean | null;
  allResources: boolean;
  /** Target is a scope (account, subscription, project...): the grant reaches every resource in it. */
  toScope: boolean;
  targetId: string;
  resourceCount: number | null;
}

export interface PciIdentityInput {
  id: string;
  usageKnown: boolean | null;
  /** {action: ISO time | null}, from action-level last-accessed data. */
  actionUsage: Record<string, string | null> | null;
  /** {service: ISO time | null}, from service-level last-accessed data. */
  serviceUsage: Record<string, string | null> | null;
  grants: PciGrant[];
  /** Collected resources in the identity's account / subscription / project. */
  resourcesInAccount: number;
}

export interface PciResult {
  id: string;
  pci: number;
  level: PciLevel;
  highRiskGranted: number;
  highRiskUnused: number;
  reach: number;
  /** False when no grant had usage data: the unused count then assumes nothing was used. */
  usageKnown: boolean;
}

const inWindow = (iso: string | null | undefined, cutoff: number): boolean =>
  typeof iso === 'string' && Date.parse(iso) >= cutoff;

/** Unused high-risk actions of one grant and whether usage was known for it. */
export function grantUnused(
  g: PciGrant,
  id: Pick<PciIdentityInput, 'actionUsage' | 'serviceUsage' | 'usageKnown'>,
  cutoff: number,
): { unused: number; known: boolean } {
  const total = Math.max(g.highRiskCount, g.highRiskActions.length);
  if (total === 0) return { unused: 0, known: true };
  const actionUsage = id.actionUsage ?? {};
  const prefix = g.service === '*' ? '' : `${g.service.toLowerCase()}:`;
  const actionKeys = Object.keys(actionUsage).filter((a) => a.toLowerCase().startsWith(prefix));
  if (actionKeys.length > 0) {
    // Action-level data: count the high-risk actions used in the window.
    const usedInWindow = new Set(
      actionKeys.filter((a) => inWindow(actionUsage[a], cutoff)).map((a) => a.toLowerCase()),
    );
    const used =
      g.service === '*'
        ? usedInWindow.size
        : g.highRiskActions.filter((a) => usedInWindow.has(a.toLowerCase())).length;
    return { unused: Math.max(0, total - used), known: true };
  }
  const svcLast = g.lastUsed ?? id.serviceUsage?.[g.service] ?? null;
  const known =
    g.usageKnown === true ||
    (id.serviceUsage !== null && Object.hasOwn(id.serviceUsage, g.service)) ||
    (g.service === '*' && id.usageKnown === true);
  if (!known) return { unused: total, known: false };
  // Service-level data only: a service used in the window counts all its actions as used.
  if (inWindow(svcLast, cutoff)) return { unused: 0, known: true };
  return { unused: total, known: true };
}

/** Share of the account's resources the identity reaches, 0-1. */
export function reachOf(grants: PciGrant[], resourcesInAccount: number): number {
  if (grants.length === 0) return 0;
  if (grants.some((g) => g.toScope || g.allResources || g.service === '*')) return 1;
  const targets = new Set(grants.map((g) => g.targetId));
  const reached = [...targets].length;
  if (resourcesInAccount <= 0) return 1;
  return Math.min(1, reached / resourcesInAccount);
}

export function computePci(input: PciIdentityInput, cutoff: number): PciResult {
  let granted = 0;
  let unused = 0;
  let anyKnown = false;
  for (const g of input.grants) {
    granted += Math.max(g.highRiskCount, g.highRiskActions.length);
    const r = grantUnused(g, input, cutoff);
    unused += r.unused;
    if (r.known) anyKnown = true;
  }
  const reach = reachOf(input.grants, input.resourcesInAccount);
  const pci = pciScore(unused, reach);
  return {
    id: input.id,
    pci,
    level: pciLevel(pci),
    highRiskGranted: granted,
    highRiskUnused: unused,
    reach,
    usageKnown: anyKnown || (input.grants.length === 0 && input.usageKnown === true),
  };
}

function parseJsonMap(v: unknown): Record<string, string | null> | null {
  if (typeof v !== 'string' || v === '') return null;
  try {
    const o = JSON.parse(v) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, string | null>) : null;
  } catch {
    return null;
  }
}

const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

/**
 * Computes PCI for every collected identity and writes `pci` and `pciLevel` on it, in pages.
 * Returns the per-identity results (the analysis keeps them as finding evidence).
 */
export async function computeAllPci(
  graph: Graph,
  opts: { lookbackDays: number; now?: Date; pageSize?: number },
): Promise<PciResult[]> {
  const now = (opts.now ?? new Date()).getTime();
  const cutoff = now - opts.lookbackDays * 86_400_000;
  const pageSize = opts.pageSize ?? 2000;
  const resources = new Map<string, number>();
  for (const r of await graph.read(
    'MATCH (x:Resource) WHERE x.account IS NOT NULL RETURN x.account AS account, count(x) AS n',
  )) {
    resources.set(String(r.account), num(r.n));
  }
  const out: PciResult[] = [];
  let after = '';
  for (;;) {
    const rows = await graph.read(
      `MATCH (i:Identity) WHERE i.id > $after AND coalesce(i.stub, false) = false
       WITH i ORDER BY i.id LIMIT $limit
       OPTIONAL MATCH (i)-[c:CAN_ACCESS]->(x:Entity)
       RETURN i.id AS id, i.account AS account, i.usageKnown AS usageKnown, i.actionUsage AS actionUsage,
              i.serviceUsage AS serviceUsage,
              collect(CASE WHEN c IS NULL THEN NULL ELSE {service: c.service, highRiskCount: c.highRiskCount,
                highRiskActions: c.highRiskActions, usedActions: c.usedActions, lastUsed: c.lastUsed,
                usageKnown: c.usageKnown, allResources: c.allResources, toScope: x:Scope, targetId: x.id,
                resourceCount: c.resourceCount, actionUsage: c.actionUsage} END) AS grants
       ORDER BY id`,
      { after, limit: neo4j.int(pageSize) },
    );
    if (rows.length === 0) break;
    const results: PciResult[] = [];
    for (const r of rows) {
      const grantsRaw = (r.grants as Record<string, unknown>[]) ?? [];
      const actionUsage = parseJsonMap(r.actionUsage) ?? {};
      for (const g of grantsRaw) Object.assign(actionUsage, parseJsonMap(g.actionUsage) ?? {});
      const input: PciIdentityInput = {
        id: String(r.id),
        usageKnown: (r.usageKnown as boolean | null) ?? null,
        actionUsage: Object.keys(actionUsage).length > 0 ? actionUsage : null,
        serviceUsage: parseJsonMap(r.serviceUsage),
        resourcesInAccount: resources.get(String(r.account)) ?? 0,
        grants: grantsRaw.map((g) => ({
          service: String(g.service ?? '*'),
          highRiskCount: num(g.highRiskCount),
          highRiskActions: strList(g.highRiskActions),
          usedActions: strList(g.usedActions),
          lastUsed: (g.lastUsed as string | null) ?? null,
          usageKnown: (g.usageKnown as boolean | null) ?? null,
          allResources: g.allResources === true,
          toScope: g.toScope === true,
          targetId: String(g.targetId),
          resourceCount:
            g.resourceCount === null || g.resourceCount === undefined ? null : num(g.resourceCount),
        })),
      };
      results.push(computePci(input, cutoff));
    }
    await graph.write(
      `UNWIND $rows AS row
       MATCH (i:Entity {id: row.id})
       SET i.pci = row.pci, i.pciLevel = row.level`,
      { rows: results.map((x) => ({ id: x.id, pci: neo4j.int(x.pci), level: x.level })) },
    );
    out.push(...results);
    after = String(rows[rows.length - 1]!.id);
    if (rows.length < pageSize) break;
  }
  return out;
}

export interface PciSummaryItem {
  provider: string | null;
  account: string | null;
  identities: number;
  pci: number;
  level: PciLevel;
  maxPci: number;
  meanPci: number;
  high: number;
  medium: number;
  low: number;
  noUsageData: number;
}

export interface PciIdentityItem {
  id: string;
  name: string | null;
  kind: string;
  provider: string;
  account: string | null;
  pci: number;
  level: PciLevel;
  usageKnown: boolean;
}

const LEVEL_PROVIDER: Record<string, string | undefined> = {
  account: 'aws',
  subscription: 'azure',
  project: 'gcp',
};

/** PCI per identity, or rolled up per account (AWS), subscription (Azure) or project (GCP). */
export async function pciSummary(
  graph: Graph,
  opts: {
    level: 'account' | 'subscription' | 'project' | 'identity';
    provider?: string;
    limit?: number;
    offset?: number;
  },
): Promise<{ items: (PciSummaryItem | PciIdentityItem)[]; total: number }> {
  const limit = neo4j.int(opts.limit ?? 100);
  const offset = neo4j.int(opts.offset ?? 0);
  if (opts.level === 'identity') {
    const provider = opts.provider ?? null;
    const rows = await graph.read(
      `MATCH (i:Identity) WHERE i.pci IS NOT NULL AND ($provider IS NULL OR i.provider = $provider)
       RETURN i.id AS id, i.name AS name, i.kind AS kind, i.provider AS provider, i.account AS account,
              i.pci AS pci, coalesce(i.usageKnown, false) AS usageKnown
       ORDER BY pci DESC, id SKIP $offset LIMIT $limit`,
      { provider, offset, limit },
    );
    const [count] = await graph.read(
      'MATCH (i:Identity) WHERE i.pci IS NOT NULL AND ($provider IS NULL OR i.provider = $provider) RETURN count(i) AS n',
      { provider },
    );
    return {
      items: rows.map((r) => ({
        id: String(r.id),
        name: (r.name as string | null) ?? null,
        kind: String(r.kind),
        provider: String(r.provider),
        account: (r.account as string | null) ?? null,
        pci: num(r.pci),
        level: pciLevel(num(r.pci)),
        usageKnown: r.usageKnown === true,
      })),
      total: num(count?.n),
    };
  }
  const provider = opts.provider ?? LEVEL_PROVIDER[opts.level] ?? null;
  const rows = await graph.read(
    `MATCH (i:Identity) WHERE i.pci IS NOT NULL AND ($provider IS NULL OR i.provider = $provider)
     RETURN i.provider AS provider, i.account AS account, collect(i.pci) AS scores,
            sum(CASE WHEN coalesce(i.usageKnown, false) THEN 0 ELSE 1 END) AS noUsageData`,
    { provider },
  );
  const items: PciSummaryItem[] = rows.map((r) => {
    const scores = (r.scores as unknown[]).map(num);
    const pci = rollupPci(scores);
    return {
      provider: (r.provider as string | null) ?? null,
      account: (r.account as string | null) ?? null,
      identities: scores.length,
      pci,
      level: pciLevel(pci),
      maxPci: scores.length ? Math.max(...scores) : 0,
      meanPci: scores.length ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 10) / 10 : 0,
      high: scores.filter((s) => s >= 67).length,
      medium: scores.filter((s) => s >= 34 && s < 67).length,
      low: scores.filter((s) => s < 34).length,
      noUsageData: num(r.noUsageData),
    };
  });
  items.sort((a, b) => b.pci - a.pci || String(a.account).localeCompare(String(b.account)));
  const off = opts.offset ?? 0;
  return { items: items.slice(off, off + (opts.limit ?? 100)), total: items.length };
}
