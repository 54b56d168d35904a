import neo4j from 'neo4j-driver';
import { inject } from 'vitest';
import { Graph } from '../../cypher/db/graph.js';
import { resetAll } from '../../ingest/load/reset.js';

/** A Graph on the run's test Neo4j. */
export function testGraph(): Graph {
  const cfg = inject('neo4j');
  const driver = neo4j.driver(cfg.uri, neo4j.auth.basic(cfg.user, cfg.password), {
    logging: { level: 'error', logger: () => {} },
  });
  return new Graph(driver, cfg.database, cfg.uri);
}

/** Empties the graph (estate, scans, findings, tokens) so a test file starts from nothing. */
export async function resetGraph(graph: Graph): Promise<void> {
  await resetAll(graph, { includeTokens: true });
}

/** Environment for spawning the permgraph CLI against the test Neo4j. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const cfg = inject('neo4j');
  return {
    ...process.env,
    NEO4J_URI: cfg.uri,
    NEO4J_USER: cfg.user,
    NEO4J_PASSWORD: cfg.password,
    NEO4J_DATABASE: cfg.database,
    CI: 'true',
    ...extra,
  };
}
