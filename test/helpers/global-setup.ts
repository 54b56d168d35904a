/**
 * Starts the real Neo4j once per test run (the same way users get it: testcontainers where a
 * Docker engine answers, otherwise Neo4j from Maven Central on Java 17) on its own port and
 * data directory, so tests never touch the user's graph. NEO4J_TEST_URI points tests at an
 * existing Neo4j instead (its data will be deleted).
 */
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadGraphConfig } from '../../cypher/db/config.js';
import * as local from '../../cypher/db/local-neo4j.js';

export interface TestNeo4j {
  uri: string;
  user: string;
  password: string;
  database: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    neo4j: TestNeo4j;
  }
}

export const TEST_DATA_DIR = path.resolve(process.env.PERMGRAPH_TEST_DATA_DIR ?? '.permgraph/test-neo4j');

let started = false;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.NEO4J_TEST_URI) {
    project.provide('neo4j', {
      uri: process.env.NEO4J_TEST_URI,
      user: process.env.NEO4J_TEST_USER ?? 'neo4j',
      password: process.env.NEO4J_TEST_PASSWORD ?? '',
      database: process.env.NEO4J_TEST_DATABASE ?? 'neo4j',
    });
    return async () => {};
  }
  const cfg = loadGraphConfig(
    { dataDir: TEST_DATA_DIR, port: Number(process.env.PERMGRAPH_TEST_NEO4J_PORT ?? 17687) },
    {
      ...process.env,
      NEO4J_URI: undefined,
      PERMGRAPH_NEO4J_HEAP: process.env.PERMGRAPH_NEO4J_HEAP ?? '1g',
      PERMGRAPH_NEO4J_PAGECACHE: process.env.PERMGRAPH_NEO4J_PAGECACHE ?? '512m',
    },
  );
  const before = await local.status(cfg.local);
  const state = await local.start(cfg.local, { log: (m) => process.stderr.write(`[neo4j] ${m}\n`) });
  started = !before.running;
  project.provide('neo4j', { uri: state.uri, user: state.user, password: state.password, database: 'neo4j' });
  return async () => {
    if (started && !process.env.PERMGRAPH_TEST_KEEP_NEO4J) await local.stop(cfg.local);
  };
}
