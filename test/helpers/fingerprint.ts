import type { Graph } from '../../cypher/db/graph.js';

/** Every estate node and relationship with labels and properties, in a stable order. */
export async function graphDump(
  graph: Graph,
  opts: { ignore?: string[] } = {},
): Promise<{ nodes: string[]; rels: string[] }> {
  const ignore = new Set(opts.ignore ?? []);
  const clean = (props: Record<string, unknown>) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(props)
          .filter(([k]) => !ignore.has(k))
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    );
  const nodes = await graph.read(
    'MATCH (n:Entity) RETURN n.id AS id, labels(n) AS labels, properties(n) AS props',
  );
  const rels = await graph.read(
    'MATCH (a:Entity)-[r]->(b:Entity) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS props',
  );
  return {
    nodes: nodes
      .map(
        (r) =>
          `${r.id} ${[...(r.labels as string[])].sort().join(':')} ${clean(r.props as Record<string, unknown>)}`,
      )
      .sort(),
    rels: rels.map((r) => `${r.a} -${r.t}-> ${r.b} ${clean(r.props as Record<string, unknown>)}`).sort(),
  };
}
