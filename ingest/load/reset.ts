/** Deletes one scope's data, or the whole estate, in bounded transactions. */
import type { Graph } from '../../cypher/db/graph.js';
import { MetaLabel } from '../../cypher/schema/index.js';

async function drain(graph: Graph, cypher: string, params: Record<string, unknown> = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await graph.write(cypher, params);
    const c = Number(rows[0]?.c ?? 0);
    total += c;
    if (c === 0) return total;
  }
}

export interface ResetResult {
  nodes: number;
  scans: number;
  findings: number;
}

/** Everything the scans put there; API tokens are kept unless includeTokens. */
export async function resetAll(graph: Graph, opts: { includeTokens?: boolean } = {}): Promise<ResetResult> {
  await drain(graph, 'MATCH (:Entity)-[r]->() WITH r LIMIT 10000 DELETE r RETURN count(*) AS c');
  const nodes = await drain(graph, 'MATCH (n:Entity) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c');
  const scans = await drain(
    graph,
    `MATCH (n:${MetaLabel.Scan}) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c`,
  );
  const findings = await drain(
    graph,
    `MATCH (n:${MetaLabel.Finding}) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c`,
  );
  await drain(
    graph,
    `MATCH (n) WHERE n:${MetaLabel.ScopeState} OR n:${MetaLabel.DeriveState} WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c`,
  );
  if (opts.includeTokens)
    await drain(graph, `MATCH (n:${MetaLabel.Token}) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c`);
  return { nodes, scans, findings };
}

export async function resetScope(graph: Graph, scope: string): Promise<ResetResult> {
  const nodes = await drain(
    graph,
    'MATCH (n:Entity {scope: $scope}) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c',
    { scope },
  );
  await drain(
    graph,
    'MATCH ()-[r]->() WHERE r.scope = $scope WITH r LIMIT 10000 DELETE r RETURN count(*) AS c',
    { scope },
  );
  const scans = await drain(
    graph,
    `MATCH (s:${MetaLabel.Scan}) WHERE $scope IN s.scopes WITH s LIMIT 1000 DETACH DELETE s RETURN count(*) AS c`,
    { scope },
  );
  const findings = await drain(
    graph,
    `MATCH (f:${MetaLabel.Finding}) WHERE f.scope = $scope WITH f LIMIT 5000 DETACH DELETE f RETURN count(*) AS c`,
    { scope },
  );
  await graph.write(`MATCH (s:${MetaLabel.ScopeState} {id: $scope}) DELETE s`, { scope });
  // Derived data must be rebuilt for what is left.
  await graph.write(`MATCH (d:${MetaLabel.DeriveState}) SET d.inputVersion = null`);
  return { nodes, scans, findings };
}

export async function listScopes(graph: Graph): Promise<string[]> {
  const rows = await graph.read(
    `MATCH (s:${MetaLabel.ScopeState}) RETURN s.id AS id UNION MATCH (n:Entity) WHERE n.stub IS NULL RETURN DISTINCT n.scope AS id`,
  );
  return rows
    .map((r) => String(r.id))
    .filter((s) => s !== 'null')
    .sort();
}
