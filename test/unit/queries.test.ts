import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../cypher/errors.js';
import { assertReadOnly } from '../../cypher/guard.js';
import { expandCypher, loadRegistry, parseQueryFile, referencedNames } from '../../cypher/registry.js';
import { ALL_EDGE_PROPS, ALL_LABELS, ALL_NODE_PROPS, EDGE_TYPES } from '../../cypher/schema/index.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'pg-q-'));

describe('saved query library', () => {
  it('has at least 40 valid queries with complete headers', async () => {
    const reg = await loadRegistry([]);
    const qs = reg.list();
    expect(qs.length).toBeGreaterThanOrEqual(40);
    for (const q of qs) {
      expect(q.title.length, q.id).toBeGreaterThan(3);
      expect(q.description.length, q.id).toBeGreaterThan(10);
      expect(q.providers.length, q.id).toBeGreaterThan(0);
      expect(path.basename(q.file), q.id).toBe(`${q.id}.cypher`);
    }
  });

  it('every query names only labels, relationship types and properties of the schema', async () => {
    const reg = await loadRegistry([]);
    const types = new Set<string>(EDGE_TYPES);
    const props = new Set<string>([...ALL_NODE_PROPS, ...ALL_EDGE_PROPS]);
    const problems: string[] = [];
    for (const q of reg.list()) {
      const n = referencedNames(q.cypher);
      for (const l of n.labels) if (!ALL_LABELS.has(l)) problems.push(`${q.id}: label ${l}`);
      for (const t of n.types) if (!types.has(t)) problems.push(`${q.id}: relationship type ${t}`);
      for (const p of n.props) if (!props.has(p)) problems.push(`${q.id}: property ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it('the drift check catches an unknown label, type and property', () => {
    const n = referencedNames(
      "MATCH (a:AWSUser:Ghost)-[r:AWS_MEMBER_OF|NOPE_TYPE]->(g {bogusKey: 1}) WHERE a:Phantom AND a.madeUp = 'x:NotALabel' RETURN g.id",
    );
    expect([...n.labels].sort()).toEqual(['AWSUser', 'Ghost', 'Phantom']);
    expect([...n.types].sort()).toEqual(['AWS_MEMBER_OF', 'NOPE_TYPE']);
    expect([...n.props].sort()).toEqual(['bogusKey', 'id', 'madeUp']);
  });

  it('every built-in query passes the read-only guard once expanded', async () => {
    const reg = await loadRegistry([]);
    for (const q of reg.list()) {
      const values = reg.validateParams(
        q,
        Object.fromEntries(q.params.filter((p) => p.required).map((p) => [p.name, 'x'])),
      );
      expect(() => assertReadOnly(expandCypher(q, values)), q.id).not.toThrow();
    }
  });

  it('rejects bad headers naming the file', () => {
    expect(() => parseQueryFile('/q/a.cypher', '// id: a\nMATCH (n) RETURN n')).toThrow(
      /a\.cypher: header "title" is missing/,
    );
    const head =
      '// id: x-1\n// title: T\n// category: c\n// severity: high\n// description: d d d\n// result: table\n// providers: aws\n';
    expect(() => parseQueryFile('/q/b.cypher', `${head}MATCH (n) WHERE n.id = $who RETURN n`)).toThrow(
      /\$who is used but not declared/,
    );
    expect(() => parseQueryFile('/q/c.cypher', head.replace('high', 'severe') + 'RETURN 1')).toThrow(
      /severity "severe"/,
    );
    expect(() => parseQueryFile('/q/d.cypher', `${head}// param: n int = 3 -- hops\nRETURN 1`)).toThrow(
      /header lines|declared but not used/,
    );
  });

  it('validates and coerces parameters, naming the bad one', async () => {
    const reg = await loadRegistry([]);
    const q = reg.get('shortest-path-from')!;
    expect(reg.validateParams(q, { from: 'arn:x', maxHops: '4' })).toEqual({ from: 'arn:x', maxHops: 4 });
    expect(reg.validateParams(q, { from: 'arn:x' })).toEqual({ from: 'arn:x', maxHops: 8 });
    expect(() => reg.validateParams(q, {})).toThrow(/parameter from \(string\) is required/);
    expect(() => reg.validateParams(q, { from: 'a', maxHops: 'lots' })).toThrow(/maxHops must be a int/);
    expect(() => reg.validateParams(q, { from: 'a', colour: 'red' })).toThrow(/no parameter "colour"/);
    expect(() => expandCypher(q, { from: 'a', maxHops: 40 })).toThrow(AppError);
  });

  it("loads users' own query directories and refuses a clash with a built-in id", async () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'mine.cypher'),
      '// id: my-users\n// title: My users\n// category: custom\n// severity: low\n// description: All AWS users of mine\n// result: table\n// providers: aws\nMATCH (u:AWSUser) RETURN u.id AS subjectId\n',
    );
    const reg = await loadRegistry([dir]);
    expect(reg.get('my-users')?.category).toBe('custom');
    const dir2 = tmp();
    writeFileSync(
      path.join(dir2, 'clash.cypher'),
      '// id: shadow-admins\n// title: Mine\n// category: custom\n// severity: low\n// description: Clashing id here\n// result: table\n// providers: aws\nRETURN 1\n',
    );
    await expect(loadRegistry([dir2])).rejects.toThrow(/clash\.cypher: id "shadow-admins" is already used/);
  });
});

describe('read-only guard (text)', () => {
  const refused = [
    'CREATE (n:Entity {id: 1})',
    'MATCH (n) DETACH DELETE n',
    'MATCH (n) SET n.pci = 1',
    "MERGE (n:Entity {id: 'x'})",
    'MATCH (n) REMOVE n.pci',
    "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
    'USING PERIODIC COMMIT 10 LOAD CSV FROM $u AS l RETURN l',
    "CALL dbms.security.createUser('x', 'y', false)",
    'CALL dbms.components()',
    "CALL apoc.create.node(['X'], {}) YIELD node RETURN node",
    'CALL apoc.periodic.iterate("MATCH (n) RETURN n", "DELETE n", {})',
    "RETURN apoc.cypher.runFirstColumnSingle('CREATE (n) RETURN n', {})",
    'MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS',
    'MATCH (n) FOREACH (x IN [1] | SET n.a = x)',
    'DROP INDEX entity_name',
    'MATCH p = (a)-[*]->(b) RETURN p',
    'MATCH p = (a)-[:AWS_MEMBER_OF*2..]->(b) RETURN p',
    'MATCH p = (a)-[:AWS_MEMBER_OF*1..50]->(b) RETURN p',
    'MATCH p = (a)-[:AWS_MEMBER_OF]->{1,}(b) RETURN p',
    'MATCH p = (a)-[:AWS_MEMBER_OF]->+(b) RETURN p',
    'SHOW USERS',
    'CALL db.createLabel("X")',
  ];
  for (const q of refused) {
    it(`refuses: ${q}`, () => {
      expect(() => assertReadOnly(q)).toThrow(AppError);
    });
  }
  const allowed = [
    "MATCH (n:AWSUser) WHERE n.name = 'CREATE (x) SET y' RETURN n.createDate, count(*) AS c",
    'MATCH p = (a)-[:AWS_MEMBER_OF*1..3]->(b) RETURN p',
    'MATCH p = (a)-[:AWS_MEMBER_OF]->{1,8}(b) RETURN p, size([x IN [1,2] | x * 2]) AS s',
    'CALL db.labels() YIELD label RETURN label',
    'MATCH (n) CALL { WITH n MATCH (n)-->(m) RETURN count(m) AS c } RETURN n, c',
  ];
  for (const q of allowed) {
    it(`allows: ${q}`, () => {
      expect(() => assertReadOnly(q)).not.toThrow();
    });
  }
});
