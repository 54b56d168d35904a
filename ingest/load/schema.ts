import type { Graph } from '../../cypher/db/graph.js';
import { type EdgeType, edgeIndexStatements, schemaStatements } from '../../cypher/schema/index.js';

const known = new WeakMap<Graph, Set<string>>();

/**
 * Creates constraints and indexes (idempotent) and waits until they are online.
 * Relationship indexes are made only for the types being loaded.
 */
export async function ensureSchema(graph: Graph, edgeTypes: Iterable<EdgeType> = []): Promise<void> {
  let existing = known.get(graph);
  if (!existing) {
    existing = new Set((await graph.read('SHOW INDEXES YIELD name RETURN name')).map((r) => String(r.name)));
    known.set(graph, existing);
  }
  const wanted = [...schemaStatements(), ...[...edgeTypes].flatMap((t) => edgeIndexStatements(t))];
  let created = false;
  for (const stmt of wanted) {
    const name = /(?:CONSTRAINT|INDEX) (\S+) IF NOT EXISTS/.exec(stmt)?.[1];
    if (name && existing.has(name)) continue;
    await graph.run(stmt);
    if (name) existing.add(name);
    created = true;
  }
  if (created) await graph.run('CALL db.awaitIndexes(600)');
}
