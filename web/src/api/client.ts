/** Typed client of the permgraph REST API. The bearer token lives in sessionStorage only. */
import type {
  Finding,
  GraphElements,
  Health,
  ListResponse,
  Me,
  Neighbours,
  NodeDetail,
  NodeSummary,
  PathsResult,
  PciLevel,
  PciRow,
  QueryResult,
  SavedQuery,
  Scan,
  Schema,
} from './types';

const TOKEN_KEY = 'permgraph.token';
export const API_BASE = 'api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined | null | string[]>;

function qs(params: Query): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    u.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

export class ApiClient {
  private token: string | null;
  onUnauthorized: () => void = () => {};

  constructor(private readonly base = API_BASE) {
    this.token = sessionStorage.getItem(TOKEN_KEY);
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  setToken(token: string | null): void {
    this.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  private async request<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', `The server did not answer (${(e as Error).message})`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; requestId?: string } } | undefined)
        ?.error;
      if (res.status === 401 && auth) this.onUnauthorized();
      throw new ApiError(
        res.status,
        err?.code ?? `HTTP_${res.status}`,
        err?.message ?? `${method} ${path} failed with HTTP ${res.status}`,
        err?.requestId,
      );
    }
    return json as T;
  }

  health(): Promise<Health> {
    return this.request('GET', '/health', undefined, false);
  }
  me(): Promise<Me> {
    return this.request('GET', '/me');
  }
  schema(): Promise<Schema> {
    return this.request('GET', '/schema');
  }
  stats(): Promise<Record<string, unknown>> {
    return this.request('GET', '/stats');
  }
  searchNodes(q: string, opts: { kind?: string; provider?: string; limit?: number } = {}) {
    return this.request<ListResponse<NodeSummary>>('GET', `/nodes${qs({ q, limit: 10, ...opts })}`);
  }
  node(id: string): Promise<NodeDetail> {
    return this.request('GET', `/nodes/${encodeURIComponent(id)}`);
  }
  neighbours(
    id: string,
    opts: { depth?: number; types?: string[]; direction?: 'out' | 'in' | 'both'; limit?: number } = {},
  ): Promise<Neighbours> {
    return this.request(
      'GET',
      `/nodes/${encodeURIComponent(id)}/neighbours${qs({ direction: 'both', limit: 200, depth: 1, ...opts })}`,
    );
  }
  paths(opts: {
    from: string;
    to?: string;
    toTierZero?: boolean;
    maxHops?: number;
    edgeSet?: string;
    limit?: number;
  }): Promise<PathsResult> {
    return this.request('GET', `/paths${qs(opts)}`);
  }
  queries(): Promise<ListResponse<SavedQuery>> {
    return this.request('GET', '/queries');
  }
  query(id: string): Promise<SavedQuery> {
    return this.request('GET', `/queries/${encodeURIComponent(id)}`);
  }
  runQuery(id: string, params: Record<string, unknown>): Promise<QueryResult> {
    return this.request('POST', `/queries/${encodeURIComponent(id)}/run`, { params });
  }
  cypher(query: string, params: Record<string, unknown> = {}): Promise<QueryResult> {
    return this.request('POST', '/cypher', { query, params });
  }
  findings(
    opts: { severity?: string[]; status?: string; scan?: string; provider?: string; limit?: number } = {},
  ) {
    return this.request<ListResponse<Finding>>('GET', `/findings${qs({ limit: 500, ...opts })}`);
  }
  finding(fingerprint: string): Promise<Finding & { elements?: GraphElements }> {
    return this.request('GET', `/findings/${encodeURIComponent(fingerprint)}`);
  }
  scans(): Promise<ListResponse<Scan>> {
    return this.request('GET', '/scans?limit=20');
  }
  pci(level: PciLevel, provider?: string): Promise<ListResponse<PciRow>> {
    return this.request('GET', `/pci${qs({ level, provider, limit: 500 })}`);
  }
}
