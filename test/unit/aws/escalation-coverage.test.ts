/** Coverage of aws-escalation-paths.md: every id is modelled or listed with a reason. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EdgeTypes } from '../../../cypher/schema/index.js';
import { ALL_PATH_IDS, modelledPathIds, NOT_MODELLED } from '../../../ingest/aws/derive/techniques.js';

describe('escalation coverage', () => {
  it('accounts for every path id, and the docs table agrees', () => {
    const modelled = modelledPathIds();
    expect(ALL_PATH_IDS).toHaveLength(70);
    for (const id of ALL_PATH_IDS) expect(modelled.has(id) !== Boolean(NOT_MODELLED[id]), id).toBe(true);
    for (const id of modelled) expect(ALL_PATH_IDS as readonly string[], id).toContain(id);
    const n = ALL_PATH_IDS.filter((id) => modelled.has(id)).length;
    console.log(`[coverage] aws-escalation-paths.md: ${n} of ${ALL_PATH_IDS.length} paths modelled`);
    // Every modelled id is declared on an edge type of the schema.
    const declared = new Set(Object.values(EdgeTypes).flatMap((d) => d.techniques ?? []));
    for (const id of modelled) expect(declared.has(id), id).toBe(true);
    // docs/escalation-coverage.md lists every id with the same status.
    const md = readFileSync('docs/escalation-coverage.md', 'utf8');
    for (const id of ALL_PATH_IDS) {
      const row = md.split('\n').find((l) => l.startsWith(`| ${id} |`));
      expect(row, id).toBeDefined();
      expect(row!.includes('| modelled |'), id).toBe(modelled.has(id));
    }
  });
});
