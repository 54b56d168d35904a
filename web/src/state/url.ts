/**
 * URL state: the hash holds the view and its parameters (`#/paths?from=...&t0=1`), so a copied
 * link reopens the same view. The API token never goes into the URL.
 */
export const VIEWS = ['explore', 'paths', 'queries', 'cypher', 'findings', 'pci'] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  view: View;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2) as [string?, string?];
  const view = (VIEWS as readonly string[]).includes(path) ? (path as View) : 'explore';
  return { view, params: new URLSearchParams(query) };
}

export function formatHash(view: View, params: Record<string, string | string[] | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) u.append(k, x);
    else u.set(k, v);
  }
  const q = u.toString();
  return `#/${view}${q ? `?${q}` : ''}`;
}
