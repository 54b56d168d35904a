/**
 * API tokens: `pgt_<id>_<secret>` with a 256-bit random secret. Only the SHA-256 of the whole
 * token is stored (PGToken node); the token itself is shown once. High-entropy secrets need no
 * slow hash. Lookups go by the public id (unique constraint) and compare in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Graph } from '../cypher/db/graph.js';
import { AppError } from '../cypher/errors.js';
import { MetaLabel } from '../cypher/schema/index.js';

export const ROLES = ['reader', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** reader < analyst < admin. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export interface TokenInfo {
  id: string;
  role: Role;
  name: string;
  createdAt: string | null;
  lastUsedAt: string | null;
  revoked: boolean;
}

export interface CreatedToken {
  id: string;
  token: string;
  role: Role;
  name: string;
}

const TOKEN_RE = /^pgt_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;
const L = MetaLabel.Token;

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

async function ensureConstraint(graph: Graph): Promise<void> {
  await graph.run(`CREATE CONSTRAINT pgtoken_id IF NOT EXISTS FOR (n:${L}) REQUIRE n.id IS UNIQUE`);
}

export async function createToken(graph: Graph, role: Role, name: string): Promise<CreatedToken> {
  if (!isRole(role))
    throw new AppError('BAD_REQUEST', `role: "${String(role)}" must be reader, analyst or admin`);
  if (typeof name !== 'string' || name.length > 200)
    throw new AppError('BAD_REQUEST', 'name: must be a string of at most 200 characters');
  await ensureConstraint(graph);
  const id = randomBytes(8).toString('hex');
  const token = `pgt_${id}_${randomBytes(32).toString('base64url')}`;
  await graph.write(
    `CREATE (t:${L} {id: $id, hash: $hash, role: $role, name: $name, createdAt: datetime(), revoked: false})`,
    { id, hash: hashToken(token), role, name },
  );
  return { id, token, role, name };
}

export async function listTokens(graph: Graph): Promise<TokenInfo[]> {
  const rows = await graph.query(
    `MATCH (t:${L}) RETURN t.id AS id, t.role AS role, coalesce(t.name, '') AS name,
     t.createdAt AS createdAt, t.lastUsedAt AS lastUsedAt, coalesce(t.revoked, false) AS revoked
     ORDER BY t.createdAt, t.id`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    role: isRole(r.role) ? r.role : 'reader',
    name: String(r.name),
    createdAt: (r.createdAt as string | null) ?? null,
    lastUsedAt: (r.lastUsedAt as string | null) ?? null,
    revoked: r.revoked === true,
  }));
}

/** Marks the token revoked (kept for the audit trail). NOT_FOUND when no such token. */
export async function revokeToken(graph: Graph, id: string): Promise<void> {
  const rows = await graph.write(`MATCH (t:${L} {id: $id}) SET t.revoked = true RETURN t.id AS id`, { id });
  if (rows.length === 0) throw new AppError('NOT_FOUND', `No API token with id "${id}"`);
}

export interface Principal {
  tokenId: string;
  role: Role;
  name: string;
}

/**
 * Verifies bearer tokens. Results are cached briefly (revocations through this process apply at
 * once, revocations from another process within `ttlMs`); last use is written at most once a
 * minute per token.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, { p: Principal | null; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly graph: Graph,
    private readonly ttlMs = 5000,
  ) {}

  async verify(token: string): Promise<Principal | null> {
    const m = TOKEN_RE.exec(token);
    if (!m) return null;
    const hash = hashToken(token);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.p;
    const rows = await this.graph.query(
      `MATCH (t:${L} {id: $id}) RETURN t.hash AS hash, t.role AS role, coalesce(t.name, '') AS name,
       coalesce(t.revoked, false) AS revoked`,
      { id: m[1] },
    );
    const r = rows[0];
    let p: Principal | null = null;
    if (r && r.revoked !== true && isRole(r.role) && typeof r.hash === 'string') {
      const a = Buffer.from(r.hash, 'hex');
      const b = Buffer.from(hash, 'hex');
      if (a.length === b.length && timingSafeEqual(a, b))
        p = { tokenId: m[1]!, role: r.role, name: String(r.name) };
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { p, until: now + this.ttlMs });
    if (p) this.touch(p.tokenId, now);
    return p;
  }

  forget(): void {
    this.cache.clear();
  }

  private touch(id: string, now: number): void {
    if ((this.touched.get(id) ?? 0) > now - 60_000) return;
    this.touched.set(id, now);
    this.graph
      .write(`MATCH (t:${L} {id: $id}) SET t.lastUsedAt = datetime()`, { id })
      .catch(() => this.touched.delete(id));
  }
}
