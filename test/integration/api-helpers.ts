/**
 * Shared set-up of the API tests: the example estate loaded into the test Neo4j, derived-shape
 * edges (CAN_ACCESS, escalation, tier zero) and a finding written with parameterised Cypher as
 * the contract describes them, one token per role, and the app built on the test graph.
 */
import path from 'node:path';
import '../../cli/providers.js';
import type { Graph } from '../../cypher/db/graph.js';
import { loadSnapshotFile } from '../../ingest/load/loader.js';
import { type App, buildApp, loggerOptions } from '../../server/app.js';
import type { ServerConfig } from '../../server/config.js';
import { JobRegistry } from '../../server/jobs.js';
import { createToken, type Role } from '../../server/tokens.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

export const ACCOUNT = '111111111111';
export const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
export const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/deploy`;
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
export const DEVS = `arn:aws:iam::${ACCOUNT}:group/devs`;
export const FINDING_FP = 'fp-test-alice-admin';

export interface ApiFixture {
  graph: Graph;
  app: App;
  tokens: Record<Role, string>;
  jobs: JobRegistry;
  close(): Promise<void>;
}

export async function seedEstate(graph: Graph): Promise<void> {
  await resetGraph(graph);
  await loadSnapshotFile(graph, path.resolve('examples/aws-example.snapshot.json'));
  await graph.write(
    `MATCH (a:Entity {id: $alice}), (b:Entity {id: $bob}), (d:Entity {id: $deploy}), (root:Entity {id: $root})
     SET a.tierZero = true, a.tierZeroReason = 'aws-admin-star', a.usageKnown = true,
         a.serviceUsage = '{"s3":"2026-10-01T00:00:00Z"}', a.pci = 71, a.pciLevel = 'high',
         b.usageKnown = false, b.pci = 12, b.pciLevel = 'low'
     CREATE (a)-[:CAN_ACCESS {service: 's3', key: 's3', derived: true, deriveRun: 't',
             actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteBucket', 's3:ListBucket'], actionCount: 4,
             highRiskActions: ['s3:PutObject', 's3:DeleteBucket'], highRiskCount: 2,
             usedActions: ['s3:GetObject', 's3:PutObject'], allResources: true}]->(root)
     CREATE (a)-[:CAN_ACCESS {service: 'iam', key: 'iam', derived: true, deriveRun: 't',
             actions: ['iam:CreateUser', 'iam:ListUsers'], actionCount: 2,
             highRiskActions: ['iam:CreateUser'], highRiskCount: 1, usedActions: [], allResources: true}]->(root)
     CREATE (b)-[:CAN_ACCESS {service: 'sts', key: 'sts', derived: true, deriveRun: 't',
             actions: ['sts:AssumeRole'], actionCount: 1, highRiskActions: [], highRiskCount: 0,
             usedActions: [], allResources: true}]->(root)
     CREATE (b)-[:AWS_ASSUME_ROLE {technique: 'sts-001', key: 'sts-001', derived: true, deriveRun: 't',
             reason: 'bob can assume deploy', conditional: false,
             grantedBy: '[{"policy":"inline","statement":"0","action":"sts:AssumeRole"}]'}]->(d)
     CREATE (d)-[:AWS_ADD_TO_GROUP {technique: 'iam-013', key: 'iam-013', derived: true, deriveRun: 't',
             reason: 'deploy can add itself to devs', conditional: true}]->(:Entity {id: 'placeholder-never-used'})`,
    { alice: ALICE, bob: BOB, deploy: DEPLOY, root: ROOT },
  );
  // The placeholder above keeps the CREATE valid; replace it with a real edge to the group.
  await graph.write(`MATCH (p:Entity {id: 'placeholder-never-used'}) DETACH DELETE p`);
  await graph.write(
    `MATCH (d:Entity {id: $deploy}), (g:Entity {id: $devs})
     SET g.tierZero = true, g.tierZeroReason = 'aws-admin-star'
     CREATE (d)-[:AWS_ADD_TO_GROUP {technique: 'iam-013', key: 'iam-013', derived: true, deriveRun: 't',
             reason: 'deploy can add itself to devs', conditional: true}]->(g)
     CREATE (f:PGFinding {fingerprint: $fp, queryId: 'aws-admin-users', title: 'User with admin rights',
             severity: 'high', severityRank: 3, subjectId: $alice, subjectName: 'alice', provider: 'aws',
             account: $account, status: 'open', evidence: '{"why":"AdministratorAccess via devs"}',
             firstSeen: datetime('2026-11-01T00:00:00Z'), lastSeen: datetime('2026-11-02T00:00:00Z')})`,
    { deploy: DEPLOY, devs: DEVS, fp: FINDING_FP, alice: ALICE, account: ACCOUNT },
  );
}

export async function apiFixture(config: Partial<ServerConfig> = {}): Promise<ApiFixture> {
  const graph = testGraph();
  await seedEstate(graph);
  const tokens = {} as Record<Role, string>;
  for (const role of ['reader', 'analyst', 'admin'] as const) {
    tokens[role] = (await createToken(graph, role, `test ${role}`)).token;
  }
  const jobs = new JobRegistry();
  const app = await buildApp({
    graph,
    jobs,
    config: { rateLimit: 0, webDist: null, ...config },
    ...(process.env.PERMGRAPH_TEST_API_LOG ? { logger: loggerOptions('info') } : {}),
  });
  await app.ready();
  return {
    graph,
    app,
    tokens,
    jobs,
    async close() {
      await app.close();
      await graph.close();
    },
  };
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });
