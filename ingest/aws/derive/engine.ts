/**
 * The AWS derive pass over the model: effective access (CAN_ACCESS), assume-role edges,
 * every modelled escalation technique, and tier-zero marks. Pure: snapshot in, edges out.
 */
import type { EdgeType } from '../../../cypher/schema/index.js';
import type { DerivedEdge, TierZeroMark } from '../../load/derived.js';
import type { PropValue, Snapshot, SnapshotNode } from '../../snapshot/types.js';
import {
  type ActionCatalog,
  actionMatches,
  type CatalogAction,
  type CompiledStatement,
  type ConditionContext,
  compilePolicy,
  type Decision,
  evaluateRequest,
  type Grant,
  type NamedPolicy,
  type PolicySet,
  principalMatch,
  type RequestPrincipal,
  statementsOf,
  type UndecidedCondition,
} from '../policy/index.js';
import {
  type AwsModel,
  accountOfArn,
  accountRootId,
  adminNodeId,
  buildModel,
  type Principal,
} from './model.js';
import { HIJACK_TECHNIQUES, PASSROLE_TECHNIQUES } from './techniques.js';

export interface DeriveOutput {
  /** The edges, unless a sink took them as they were emitted (then empty). */
  edges: DerivedEdge[];
  tierZero: TierZeroMark[];
  /** Accounts whose synthetic AWSAdmin node must exist. */
  adminAccounts: string[];
  stats: Record<string, number>;
  /** Milliseconds per stage (model, access, groups, assume, techniques) and memo counters. */
  timings: Record<string, number>;
}

const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
/** Cap on listed actions per CAN_ACCESS edge (the counts are exact). */
const CAP = 100;

/** The outcome of "can P do all of these": conditional when any part is. */
interface Ability {
  conditional: boolean;
  conditions: UndecidedCondition[];
  grantedBy: Grant[];
}

function merge(parts: (Ability | Decision)[], extra: string[] = []): Ability {
  const conditions: UndecidedCondition[] = [];
  for (const c of parts.flatMap((p) => p.conditions))
    if (!conditions.some((x) => sameCondition(x, c))) conditions.push(c);
  for (const e of extra) conditions.push({ operator: 'Precondition', key: 'inventory', values: e });
  const seen = new Set<string>();
  const grantedBy: Grant[] = [];
  for (const g of parts.flatMap((p) => p.grantedBy)) {
    const k = `${g.policy}|${g.statement}|${g.action}`;
    if (!seen.has(k)) {
      seen.add(k);
      grantedBy.push(g);
    }
  }
  return { conditional: conditions.length > 0, conditions: conditions.slice(0, 20), grantedBy };
}

const docSerials = new WeakMap<object, number>();
let nextDocSerial = 1;
/** A policy's identity for memo keys: its id and which document object it carries. */
function policyKey(p: NamedPolicy | null | undefined): string {
  if (!p) return '';
  const d = p.document;
  if (!d || typeof d !== 'object') return `${p.id}#-`;
  let n = docSerials.get(d);
  if (n === undefined) {
    n = nextDocSerial++;
    docSerials.set(d, n);
  }
  return `${p.id}#${n}`;
}

const VAR_NAME = /\$\{([^}]+)\}/g;
const refsCache = new WeakMap<object, string[]>();
/**
 * The request-context keys a policy can read (condition keys and policy variables), lower
 * case. Evaluation looks nothing else up in the context.
 */
function contextRefs(p: NamedPolicy | null | undefined): string[] {
  const doc = p?.document;
  if (!doc || typeof doc !== 'object') return [];
  const hit = refsCache.get(doc);
  if (hit) return hit;
  const keys = new Set<string>();
  for (const st of statementsOf(doc)) {
    const c = st?.Condition;
    if (c && typeof c === 'object')
      for (const block of Object.values(c))
        if (block && typeof block === 'object') for (const k of Object.keys(block)) keys.add(k.toLowerCase());
  }
  for (const m of JSON.stringify(doc).matchAll(VAR_NAME)) {
    const name = m[1] as string;
    if (name === '*' || name === '?' || name === '$') continue;
    keys.add((name.split(/\s*,\s*/)[0] ?? '').trim().toLowerCase());
  }
  const out = [...keys].sort();
  refsCache.set(doc, out);
  return out;
}

interface EvalClass {
  key: string;
  refs: string[];
}

/**
 * Decisions the evaluator remembers before it starts over. Most requests are asked once (on
 * M 19 % of lookups hit), so a large memo mostly costs heap and GC: at 50 accounts a 200k
 * limit ran derive 16 % faster than 1M with 1 GB less peak RSS and as many hits.
 */
const MEMO_LIMIT = 200_000;

export class AwsEvaluator {
  private readonly ctxCache = new Map<string, ConditionContext>();
  /**
   * Decisions by equivalence class of the principal and the request. Two principals of one
   * account and type with the same policies (same documents), boundary and SCP exemption get
   * the same decision for the same request when the context keys their policies read hold the
   * same values and the resource policy's Principal elements match them the same way: the
   * evaluation reads nothing else about the principal.
   */
  private readonly memo = new Map<string, Map<string, Decision>>();
  private readonly classes = new WeakMap<Principal, EvalClass>();
  private readonly rcpRefs = new Map<string, string[]>();
  memoHits = 0;
  memoMisses = 0;
  private memoClearedAt = 0;
  constructor(
    readonly model: AwsModel,
    readonly now: Date,
  ) {}

  requestPrincipal(p: Principal): RequestPrincipal {
    const name = p.id.split('/').pop() ?? p.id;
    return p.type === 'role'
      ? {
          arn: p.id,
          type: 'role',
          account: p.account,
          sessionArn: `arn:aws:sts::${p.account}:assumed-role/${name}`,
        }
      : { arn: p.id, type: 'user', account: p.account };
  }

  /** What is known about the request context of P's calls; everything else is undecided. */
  context(p: Principal, extra: Record<string, string | string[] | null> = {}): ConditionContext {
    const key = p.id;
    let base = this.ctxCache.get(key);
    if (!base) {
      const values: Record<string, string | string[] | null> = {
        'aws:principalarn': p.id,
        'aws:principalaccount': p.account,
        'aws:principaltype': p.type === 'user' ? 'User' : 'AssumedRole',
        'aws:currenttime': this.now.toISOString(),
        'aws:epochtime': String(Math.floor(this.now.getTime() / 1000)),
        'aws:principalisawsservice': 'false',
      };
      if (p.type === 'user') values['aws:username'] = p.node.name ?? p.id.split('/').pop() ?? null;
      const orgId = this.model.org.get(p.account)?.orgId ?? p.node.tenant ?? null;
      if (orgId) values['aws:principalorgid'] = orgId;
      for (const [k, v] of Object.entries(p.tags)) values[`aws:principaltag/${k.toLowerCase()}`] = v;
      values['aws:principaltagkeys'] = Object.keys(p.tags);
      base = { values, missing: 'unknown', absentPrefixes: ['aws:principaltag/'] };
      this.ctxCache.set(key, base);
    }
    if (Object.keys(extra).length === 0) return base;
    const values = { ...base.values };
    for (const [k, v] of Object.entries(extra)) values[k.toLowerCase()] = v;
    return { ...base, values };
  }

  policySet(p: Principal, resourcePolicy?: NamedPolicy | null, resourceAccount?: string | null): PolicySet {
    const chain = this.model.org.get(p.account);
    const resChain = resourceAccount ? this.model.org.get(resourceAccount) : undefined;
    return {
      identity: p.policies,
      boundary: p.boundary,
      scps: chain?.scps ?? [],
      rcps: resChain && !resChain.management ? resChain.rcps : [],
      resource: resourcePolicy ?? null,
    };
  }

  scpExempt(p: Principal): boolean {
    return Boolean(this.model.org.get(p.account)?.management) || Boolean(p.node.props?.serviceLinked);
  }

  private evalClass(p: Principal): EvalClass {
    let c = this.classes.get(p);
    if (!c) {
      const scps = this.model.org.get(p.account)?.scps ?? [];
      const refs = new Set<string>();
      for (const x of p.policies) for (const k of contextRefs(x)) refs.add(k);
      for (const k of contextRefs(p.boundary)) refs.add(k);
      for (const lvl of scps) for (const x of lvl) for (const k of contextRefs(x)) refs.add(k);
      c = {
        key: [
          p.account,
          p.type,
          this.scpExempt(p) ? 1 : 0,
          p.policies.map(policyKey).join(','),
          policyKey(p.boundary),
        ].join('\u0002'),
        refs: [...refs],
      };
      this.classes.set(p, c);
    }
    return c;
  }

  private rcpRefsOf(account: string, rcps: NamedPolicy[][]): string[] {
    let r = this.rcpRefs.get(account);
    if (!r) {
      const s = new Set<string>();
      for (const lvl of rcps) for (const x of lvl) for (const k of contextRefs(x)) s.add(k);
      r = [...s];
      this.rcpRefs.set(account, r);
    }
    return r;
  }

  /** Can P call `action` on `resource` (a concrete ARN, or `*`: a name P picks)? */
  can(
    p: Principal,
    action: string,
    resource: string,
    opts: {
      context?: Record<string, string | string[] | null>;
      resourcePolicy?: NamedPolicy | null;
      resourceAccount?: string | null;
      trust?: boolean;
    } = {},
  ): Decision {
    const resourceAccount =
      opts.resourceAccount ?? (resource === '*' ? p.account : (accountOfArn(resource) ?? p.account));
    const set = this.policySet(p, opts.resourcePolicy, resourceAccount);
    if (opts.trust) set.resourceRequired = true;
    const principal = this.requestPrincipal(p);
    const context = this.context(p, opts.context);
    // Memo key: the principal's class, the request, and what of the principal the evaluation
    // reads (context values of referenced keys, Principal matches of the resource policy).
    const cls = this.evalClass(p);
    let rest = `${action}\u0001${resource}\u0001${resourceAccount}\u0001${opts.trust ? 1 : 0}\u0001${policyKey(set.resource)}`;
    const vals = context.values;
    const refVal = (k: string) => (Object.hasOwn(vals, k) ? JSON.stringify(vals[k] ?? null) : '~');
    for (const k of cls.refs) rest += `\u0001${refVal(k)}`;
    if (set.rcps && set.rcps.length > 0 && resourceAccount) {
      rest += '\u0003';
      for (const k of this.rcpRefsOf(resourceAccount, set.rcps)) rest += `\u0001${k}=${refVal(k)}`;
    }
    if (set.resource) {
      rest += '\u0003';
      for (const k of contextRefs(set.resource)) rest += `\u0001${k}=${refVal(k)}`;
      for (const st of compilePolicy(set.resource))
        rest += `\u0001${st.principal === undefined ? '' : principalMatch(st.principal, principal)}/${st.notPrincipal === undefined ? '' : principalMatch(st.notPrincipal, principal)}`;
    }
    // Bounded: past a million decisions start over (a cache, never a different answer).
    if (this.memoMisses - this.memoClearedAt > MEMO_LIMIT) {
      this.memo.clear();
      this.memoClearedAt = this.memoMisses;
    }
    let byReq = this.memo.get(cls.key);
    if (!byReq) {
      byReq = new Map();
      this.memo.set(cls.key, byReq);
    }
    const hit = byReq.get(rest);
    if (hit) {
      this.memoHits++;
      return hit;
    }
    this.memoMisses++;
    const d = evaluateRequest(
      {
        principal,
        action,
        resource,
        resourceAccount,
        resourceIsPattern: resource.includes('*'),
        context,
      },
      set,
      { scpExempt: this.scpExempt(p) },
    );
    byReq.set(rest, d);
    return d;
  }

  /** All of `actions` on `resource`; undefined if any is denied. */
  canAll(
    p: Principal,
    actions: string[],
    resource: string,
    opts: Parameters<AwsEvaluator['can']>[3] = {},
  ): Decision[] | undefined {
    const out: Decision[] = [];
    for (const a of actions) {
      const d = this.can(p, a, resource, opts);
      if (d.decision !== 'Allowed') return undefined;
      out.push(d);
    }
    return out;
  }
}

/** Candidate actions of P: what its Allow statements could grant (before any cap). */
function candidateActions(
  p: Principal,
  catalog: ActionCatalog,
): Map<string, { a: CatalogAction; resources: string[] }> {
  const out = new Map<string, { a: CatalogAction; resources: string[] }>();
  for (const pol of p.policies) {
    for (const s of compilePolicy(pol)) {
      const grant = statementGrant(s, catalog);
      if (!grant) continue;
      const { acts, res } = grant;
      for (const a of acts) {
        const e = out.get(a.full);
        if (!e) out.set(a.full, { a, resources: res });
        else if (e.resources !== res) e.resources = mergeResources(e.resources, res);
      }
    }
  }
  return out;
}

/** What an Allow statement can grant: its expanded actions and resource patterns (cached per statement). */
const statementGrants = new WeakMap<
  ActionCatalog,
  WeakMap<CompiledStatement, { acts: readonly CatalogAction[]; res: string[] } | null>
>();
function statementGrant(
  s: CompiledStatement,
  catalog: ActionCatalog,
): { acts: readonly CatalogAction[]; res: string[] } | null {
  let byStmt = statementGrants.get(catalog);
  if (!byStmt) {
    byStmt = new WeakMap();
    statementGrants.set(catalog, byStmt);
  }
  const hit = byStmt.get(s);
  if (hit !== undefined) return hit;
  let out: { acts: readonly CatalogAction[]; res: string[] } | null = null;
  if (s.effect === 'Allow') {
    let acts: readonly CatalogAction[] | null = null;
    if (s.actions) acts = s.actions.flatMap((x) => catalog.expand(x));
    else if (s.notActions) {
      const excluded = new Set(s.notActions.flatMap((x) => catalog.expand(x)).map((a) => a.full));
      acts = catalog.all.filter((a) => !excluded.has(a.full));
    }
    if (acts) out = { acts, res: (s.resources ?? ['*']).map((r) => (r.includes('${') ? '*' : r)) };
  }
  byStmt.set(s, out);
  return out;
}

/** `[...new Set([...a, ...b])]`, shared between callers that merge the same two lists. */
const merged = new WeakMap<string[], WeakMap<string[], string[]>>();
function mergeResources(a: string[], b: string[]): string[] {
  let byB = merged.get(a);
  if (!byB) {
    byB = new WeakMap();
    merged.set(a, byB);
  }
  let m = byB.get(b);
  if (!m) {
    m = [...new Set([...a, ...b])];
    byB.set(b, m);
  }
  return m;
}

interface AccessRow {
  service: string;
  actions: CatalogAction[];
  resources: Set<string>;
  allResources: boolean;
  conditional: boolean;
  conditions: UndecidedCondition[];
  /** Grant key -> the grant and the last action it granted in this row (materialised in accessProps). */
  grants: Map<string, { g: Grant; action: string }>;
}

/** The parts of a CAN_ACCESS edge that depend only on its rows (shared by principals with the same rows). */
interface AccessStatic {
  acts: CatalogAction[];
  actionSet?: Set<CatalogAction>;
  actions: string[];
  highRiskActions: string[];
  highRiskCount: number;
  resources: string[];
  allResources: boolean;
  accessLevels: string[];
  conditional: boolean;
  conditions: PropValue;
  grantedBy: PropValue;
}

/** The same undecided condition (operator, key, values), e.g. one SCP's region test read for each action. */
function sameCondition(a: UndecidedCondition, b: UndecidedCondition): boolean {
  if (a === b) return true;
  if (a.operator !== b.operator || a.key !== b.key) return false;
  const x = a.values;
  const y = b.values;
  if (x === y) return true;
  if (Array.isArray(x) && Array.isArray(y))
    return (
      x.length === y.length && x.every((v, i) => v === y[i] || JSON.stringify(v) === JSON.stringify(y[i]))
    );
  return JSON.stringify(x) === JSON.stringify(y);
}

const accessStatics = new WeakMap<object, AccessStatic>();
function accessStatic(rs: AccessRow[], cacheOn: object): AccessStatic {
  const hit = accessStatics.get(cacheOn);
  if (hit) return hit;
  const acts = rs.length === 1 ? rs[0]!.actions : rs.flatMap((r) => r.actions);
  const high: string[] = [];
  let highRiskCount = 0;
  const levels = new Set<string>();
  for (const a of acts) {
    if (a.accessLevels.includes('Write') || a.accessLevels.includes('Permissions management')) {
      highRiskCount++;
      if (high.length < CAP) high.push(a.full);
    }
    for (const l of a.accessLevels) levels.add(l);
  }
  const resources = new Set<string>();
  for (const r of rs) for (const x of r.resources) resources.add(x);
  const conditions: UndecidedCondition[] = [];
  for (const r of rs)
    for (const c of r.conditions) {
      if (conditions.length >= 10) break;
      if (!conditions.some((x) => sameCondition(x, c))) conditions.push(c);
    }
  const grants = rs.length === 1 ? rs[0]!.grants : new Map(rs.flatMap((r) => [...r.grants.entries()]));
  const grantedBy: Grant[] = [];
  for (const e of grants.values()) {
    if (grantedBy.length >= 20) break;
    grantedBy.push({ ...e.g, action: e.action });
  }
  const st: AccessStatic = {
    acts,
    actions: acts.slice(0, CAP).map((a) => a.full),
    highRiskActions: high,
    highRiskCount,
    resources: [...resources].slice(0, 50),
    allResources: rs.some((r) => r.allResources),
    accessLevels: [...levels].sort(),
    conditional: rs.some((r) => r.conditional),
    conditions: conditions.length > 0 ? (conditions as unknown as PropValue) : null,
    grantedBy: grantedBy as unknown as PropValue,
  };
  accessStatics.set(cacheOn, st);
  return st;
}

interface SigNode {
  next: Map<number, SigNode> | null;
  bySig: Map<string, Decision> | null;
}

/** Catalog actions an Action/NotAction list matches (`all` for `*`). */
interface ActionSet {
  all: boolean;
  set: Set<CatalogAction>;
}
const actionSets = new WeakMap<ActionCatalog, WeakMap<string[], ActionSet | null>>();
/**
 * The catalog actions a pattern list matches, through the catalog's (cached) expansion, so
 * that matching a candidate action is a set lookup. Exact for patterns with one `:` (the
 * colon of `service:Action` must line up, so service and name match separately) and `*`;
 * `null` (match pattern by pattern) for anything else that could still match.
 */
function actionSetOf(patterns: string[], catalog: ActionCatalog): ActionSet | null {
  let byList = actionSets.get(catalog);
  if (!byList) {
    byList = new WeakMap();
    actionSets.set(catalog, byList);
  }
  const hit = byList.get(patterns);
  if (hit !== undefined) return hit;
  let out: ActionSet | null = { all: false, set: new Set() };
  const lowerServices = [...catalog.byService.keys()].every((k) => k === k.toLowerCase());
  for (const p of patterns) {
    if (p === '*') {
      out.all = true;
      continue;
    }
    const colons = p.split(':').length - 1;
    const wild = p.includes('*') || p.includes('?');
    // No colon: only a wildcard could match `service:Action`; two or more: nothing can.
    if (colons === 0 && !wild) continue;
    if (colons >= 2) continue;
    if (colons === 0 || !lowerServices) {
      out = null;
      break;
    }
    for (const a of catalog.expand(p)) out.set.add(a);
  }
  byList.set(patterns, out);
  return out;
}

const grantKeys = new WeakMap<Grant, string>();
function grantKey(g: Grant): string {
  let k = grantKeys.get(g);
  if (k === undefined) {
    k = `${g.policy}|${g.statement}`;
    grantKeys.set(g, k);
  }
  return k;
}

/**
 * `sink`, when given, receives each edge as it is emitted (e.g. an EdgeSpill), so the pass
 * does not hold the edges; otherwise they are returned in `edges`.
 */
export function deriveAws(
  snap: Snapshot,
  catalog: ActionCatalog,
  now = new Date(),
  sink?: (e: DerivedEdge) => void,
): DeriveOutput {
  let tMark = Date.now();
  let cMark = process.cpuUsage();
  const timings: Record<string, number> = {};
  const stage = (name: string) => {
    const t = Date.now();
    const c = process.cpuUsage();
    timings[`${name}Ms`] = t - tMark;
    timings[`${name}CpuMs`] = Math.round((c.user - cMark.user + c.system - cMark.system) / 1000);
    timings[`${name}HeapMiB`] = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
    tMark = t;
    cMark = c;
  };
  const model = buildModel(snap);
  const ev = new AwsEvaluator(model, now);
  stage('model');
  const edges: DerivedEdge[] = [];
  const tierZero = new Map<string, string>();
  const stats: Record<string, number> = {};
  const count = (k: string) => {
    stats[k] = (stats[k] ?? 0) + 1;
  };
  const adminIds = new Set([...model.accounts].map(adminNodeId));
  const exists = (id: string) => model.nodes.has(id) || adminIds.has(id);
  const targeted = new Set<string>();
  const put = sink ?? ((e: DerivedEdge) => edges.push(e));
  const emit = (
    type: EdgeType,
    source: string,
    target: string,
    key: string,
    props: Record<string, PropValue>,
  ) => {
    if (!exists(source) || !exists(target)) return;
    put({ type, source, target, key, props });
    if (adminIds.has(target)) targeted.add(target);
    count(type);
  };
  const explain = (
    technique: string,
    reason: string,
    ab: Ability,
    extra: Record<string, PropValue> = {},
  ): Record<string, PropValue> => ({
    technique,
    reason,
    grantedBy: ab.grantedBy.slice(0, 20) as unknown as PropValue,
    conditional: ab.conditional,
    conditions: ab.conditional ? (ab.conditions as unknown as PropValue) : null,
    ...extra,
  });

  const adminAccounts = [...model.accounts].sort();
  for (const acct of adminAccounts)
    tierZero.set(adminNodeId(acct), 'aws-admin-node: administrator of the account');
  for (const acct of adminAccounts)
    if (exists(accountRootId(acct)))
      tierZero.set(accountRootId(acct), 'aws-account-root: the account root user');
  for (const [acct, chain] of model.org)
    if (chain.management && exists(accountRootId(acct)))
      tierZero.set(accountRootId(acct), 'aws-org-management: organization management account');

  // ---------------------------------------------------------------- effective access + tier zero
  const iamActions = catalog.byService.get('iam') ?? [];
  const admins = new Set<string>();
  // Principals with the same policies, boundary and account share their effective access when
  // the context values their policies (and SCPs) read are the same too: evaluation reads nothing
  // else about the principal. A region condition in an SCP thus no longer makes every principal
  // of the account its own class; a policy reading aws:username still does.
  const accessCache = new Map<
    string,
    { rows: Map<string, AccessRow>; granted: number; iamStar: number; broad: number; broadIam: number }
  >();
  const accessKey = (p: Principal) => {
    const refs = new Set<string>();
    const docs = [
      ...p.policies,
      ...(p.boundary ? [p.boundary] : []),
      ...(model.org.get(p.account)?.scps.flat() ?? []),
    ];
    for (const x of docs) for (const k of contextRefs(x)) refs.add(k);
    const vals = ev.context(p).values;
    const refVals = [...refs].sort().map((k) => (Object.hasOwn(vals, k) ? (vals[k] ?? null) : '~'));
    return JSON.stringify([
      p.account,
      p.type,
      ev.scpExempt(p) ? 1 : 0,
      p.boundary?.id ?? null,
      p.policies.map((x) => x.id).sort(),
      refVals,
    ]);
  };
  // How many principals still to come share each key: an entry is kept only while another
  // principal will read it, so the cache holds shared classes in flight, not every principal.
  const accessKeys = new Map<Principal, string | null>();
  const accessUses = new Map<string, number>();
  for (const p of model.principals.values()) {
    const k = accessKey(p);
    accessKeys.set(p, k);
    if (k !== null) accessUses.set(k, (accessUses.get(k) ?? 0) + 1);
  }
  for (const p of model.principals.values()) {
    const cacheKey = accessKeys.get(p) ?? null;
    let usesLeft = 0;
    if (cacheKey !== null) {
      usesLeft = (accessUses.get(cacheKey) ?? 1) - 1;
      accessUses.set(cacheKey, usesLeft);
    }
    const cached = cacheKey ? accessCache.get(cacheKey) : undefined;
    if (cacheKey && cached && usesLeft === 0) accessCache.delete(cacheKey);
    const rows = cached?.rows ?? new Map<string, AccessRow>();
    let granted = cached?.granted ?? 0;
    let iamStar = cached?.iamStar ?? 0;
    let broad = cached?.broad ?? 0;
    let broadIam = cached?.broadIam ?? 0;
    const cands = cached ? new Map() : candidateActions(p, catalog);
    timings.candidateActions = (timings.candidateActions ?? 0) + cands.size;
    if (!cached) timings.accessComputed = (timings.accessComputed ?? 0) + 1;
    // Actions matched by the same statements get the same decision: evaluate once per signature.
    const stmts = [
      ...p.policies,
      ...(p.boundary ? [p.boundary] : []),
      ...(model.org.get(p.account)?.scps.flat() ?? []),
    ].flatMap((x) => compilePolicy(x));
    // The signature of an action is the set of statements matching it. Statements that match
    // every action or none add the same to each signature, so only the others are tested, and
    // signatures are nodes of a trie over the matching statement indexes.
    const variable: { list: string[]; neg: boolean; set: Set<CatalogAction> | null }[] = [];
    if (cands.size > 0)
      for (const st of stmts) {
        const list = st.actions ?? st.notActions;
        if (!list) continue;
        const as = actionSetOf(list, catalog);
        if (as?.all) continue; // matches every action (Action) or none (NotAction)
        variable.push({ list, neg: !st.actions, set: as ? as.set : null });
      }
    // Which variable statements list each action (for NotAction: exclude it). The same
    // membership means the same signature. With every list expanded, walk the smaller side.
    const expanded = variable.every((m) => m.set !== null);
    const member = new Map<CatalogAction, number[]>();
    if (expanded)
      for (let i = 0; i < variable.length; i++) {
        const set = variable[i]!.set!;
        const add = (a: CatalogAction) => {
          const l = member.get(a);
          if (l) l.push(i);
          else member.set(a, [i]);
        };
        if (set.size <= cands.size) {
          for (const a of set) if (cands.get(a.full)?.a === a) add(a);
        } else for (const { a } of cands.values()) if (set.has(a)) add(a);
      }
    const root: SigNode = { next: null, bySig: null };
    const condsMerged = new Map<AccessRow, Set<Decision>>();
    const step = (node: SigNode, i: number): SigNode => {
      node.next ??= new Map();
      let child = node.next.get(i);
      if (!child) {
        child = { next: null, bySig: null };
        node.next.set(i, child);
      }
      return child;
    };
    for (const { a, resources } of cands.values()) {
      let row: AccessRow | undefined;
      let star = false;
      let anyStar = false;
      let node = root;
      if (expanded) {
        for (const i of member.get(a) ?? []) node = step(node, i);
      } else
        for (let i = 0; i < variable.length; i++) {
          const m = variable[i]!;
          const inList = m.set ? m.set.has(a) : actionMatches(m.list, a.full);
          if (inList === m.neg) continue;
          node = step(node, i);
        }
      node.bySig ??= new Map();
      const bySig = node.bySig;
      for (const r of resources) {
        let d = bySig.get(r);
        if (!d) {
          d = ev.can(p, a.full, r, { resourceAccount: p.account });
          bySig.set(r, d);
        }
        if (d.decision !== 'Allowed') continue;
        if (!row) {
          row = rows.get(a.service);
          if (!row) {
            row = {
              service: a.service,
              actions: [],
              resources: new Set(),
              allResources: false,
              conditional: false,
              conditions: [],
              grants: new Map(),
            };
            rows.set(a.service, row);
          }
          row.actions.push(a);
        }
        row.resources.add(r);
        if (r === '*' && !d.conditional) star = true;
        if (r === '*') anyStar = true;
        if (r === '*') row.allResources = true;
        if (d.conditional) {
          row.conditional = true;
          // Decisions are shared by actions of one signature: merge each one's conditions once.
          let seen = condsMerged.get(row);
          if (!seen) {
            seen = new Set();
            condsMerged.set(row, seen);
          }
          if (!seen.has(d)) {
            seen.add(d);
            for (const c of d.conditions) {
              if (row.conditions.length >= 10) break;
              if (!row.conditions.some((x) => sameCondition(x, c))) row.conditions.push(c);
            }
          }
        }
        for (const g of d.grantedBy) {
          const k = grantKey(g);
          const e = row.grants.get(k);
          if (e) {
            e.g = g;
            e.action = a.full;
          } else row.grants.set(k, { g, action: a.full });
        }
      }
      // "Admin" counts actions granted unconditionally on every resource.
      if (star) {
        granted += 1;
        if (a.service === 'iam') iamStar += 1;
      }
      if (anyStar) {
        broad += 1;
        if (a.service === 'iam') broadIam += 1;
      }
    }
    if (cacheKey && !cached && usesLeft > 0)
      accessCache.set(cacheKey, { rows, granted, iamStar, broad, broadIam });
    const isAdmin = granted >= catalog.size * 0.9 && iamStar === iamActions.length;
    const isIamStar = iamActions.length > 0 && iamStar === iamActions.length;
    // Every action on every resource, some of it only under conditions (an admin policy in an
    // account whose SCP allows two regions, or behind MFA): one "*" edge, as for an admin,
    // marked conditional with its conditions, instead of a conditional edge per service.
    const isBroad = broad >= catalog.size * 0.9 && broadIam === iamActions.length;
    if (isAdmin) {
      admins.add(p.id);
      tierZero.set(p.id, 'aws-admin-star: effective "*" on "*"');
    } else if (isIamStar) {
      admins.add(p.id);
      tierZero.set(p.id, 'aws-iam-star: effective "iam:*" on "*" (one hop short of admin)');
    }
    const svcUsage = model.serviceUsage.get(p.id);
    const actUsage = model.actionUsage.get(p.id) ?? {};
    // Used actions: catalog actions (action names are unique in the catalog, so "named in
    // the row" is "its catalog action is in the row"); unknown names match nothing.
    const usedKeys = Object.entries(actUsage)
      .filter(([, v]) => Boolean(v))
      .map(([k]) => catalog.get(k));
    const usedOf = (st: AccessStatic) => {
      if (usedKeys.length === 0) return [];
      st.actionSet ??= new Set(st.acts);
      const set = st.actionSet;
      const out: string[] = [];
      for (const ca of usedKeys) if (ca && set.has(ca)) out.push(ca.full);
      return out;
    };
    const target = accountRootId(p.account);
    const accessProps = (rs: AccessRow[], service: string, cacheOn: object): Record<string, PropValue> => {
      const st = accessStatic(rs, cacheOn);
      const lastUsed =
        service === '*'
          ? (Object.values(svcUsage ?? {})
              .filter((v): v is string => Boolean(v))
              .sort()
              .pop() ?? null)
          : (svcUsage?.[service] ?? null);
      return {
        service,
        actions: st.actions,
        actionCount: st.acts.length,
        highRiskActions: st.highRiskActions,
        highRiskCount: st.highRiskCount,
        usedActions: usedOf(st).slice(0, CAP),
        resources: st.resources,
        allResources: st.allResources,
        accessLevels: st.accessLevels,
        usageKnown: svcUsage !== undefined,
        lastUsed,
        conditional: st.conditional,
        conditions: st.conditions,
        grantedBy: st.grantedBy,
        crossAccount: false,
      };
    };
    if (isAdmin || isBroad) {
      emit('CAN_ACCESS', p.id, target, '*', accessProps([...rows.values()], '*', rows));
    } else {
      for (const row of rows.values())
        emit('CAN_ACCESS', p.id, target, row.service, accessProps([row], row.service, row));
    }
  }

  stage('access');
  // Groups whose policies alone make every member an administrator.
  for (const [gid, g] of model.groups) {
    const acct = g.node.account;
    if (!acct || g.policies.length === 0) continue;
    const pseudo: Principal = {
      node: g.node,
      id: gid,
      type: 'user',
      account: acct,
      policies: g.policies,
      managedPolicies: [],
      groups: [],
      boundary: null,
      trust: null,
      tags: {},
    };
    const key = [
      'iam:AttachRolePolicy',
      'iam:PutUserPolicy',
      'iam:CreatePolicyVersion',
      'iam:PassRole',
      'iam:CreateAccessKey',
      'iam:UpdateAssumeRolePolicy',
      'sts:AssumeRole',
      'ec2:RunInstances',
      's3:GetObject',
    ];
    const firm = (a: string) => {
      const d = ev.can(pseudo, a, '*');
      return d.decision === 'Allowed' && !d.conditional;
    };
    if (key.every(firm))
      tierZero.set(gid, 'aws-admin-star: the group policies grant effective "*" on "*" to every member');
    // Same rule as for users and roles: iam:* on * unconditionally is one hop short of admin
    // (e.g. in a member account whose SCP denies other services outside approved regions).
    else if (iamActions.length > 0 && iamActions.every((a) => firm(a.full)))
      tierZero.set(
        gid,
        'aws-iam-star: the group policies grant effective "iam:*" on "*" to every member (one hop short of admin)',
      );
  }

  stage('groups');
  // ---------------------------------------------------------------- assume role (sts-001)
  const principalsByAccount = new Map<string, Principal[]>();
  for (const p of model.principals.values()) {
    const l = principalsByAccount.get(p.account) ?? [];
    l.push(p);
    principalsByAccount.set(p.account, l);
  }
  const assumable = new Map<string, Map<string, Ability>>(); // role → principal → ability
  const mayAssumeMemo = new Map<string, boolean>();
  const mayAssumeRoles = (p: Principal): boolean => {
    let v = mayAssumeMemo.get(p.id);
    if (v === undefined) {
      v = p.policies.some((pol) =>
        compilePolicy(pol).some(
          (st) =>
            st.effect === 'Allow' &&
            (st.actions
              ? actionMatches(st.actions, 'sts:AssumeRole')
              : st.notActions
                ? !actionMatches(st.notActions, 'sts:AssumeRole')
                : false),
        ),
      );
      mayAssumeMemo.set(p.id, v);
    }
    return v;
  };
  for (const r of model.principals.values()) {
    if (r.type !== 'role' || !r.trust) continue;
    const trust: NamedPolicy = { id: `${r.id}#trust`, document: r.trust };
    const named = new Set<string>();
    const accountsNamed = new Set<string>();
    let anyone = false;
    const services = new Set<string>();
    const federated = new Set<string>();
    for (const s of compilePolicy(trust)) {
      if (s.effect !== 'Allow' || !s.principal) continue;
      if (s.principal === '*') {
        anyone = true;
        continue;
      }
      if (typeof s.principal !== 'object') continue;
      for (const [k, raw] of Object.entries(s.principal as Record<string, unknown>)) {
        const vals = (Array.isArray(raw) ? raw : [raw]).map(String);
        for (const v of vals) {
          if (k === 'AWS') {
            if (v === '*') anyone = true;
            else if (/^\d{12}$/.test(v)) accountsNamed.add(v);
            else if (/^arn:aws[\w-]*:iam::\d{12}:root$/.test(v)) accountsNamed.add(accountOfArn(v) as string);
            else named.add(v);
          } else if (k === 'Service') services.add(v);
          else if (k === 'Federated') federated.add(v);
        }
      }
    }
    const candidates = new Set<Principal>();
    for (const id of named) {
      const p = model.principals.get(id);
      if (p) candidates.add(p);
    }
    // Admitted through an account root or `*`, a principal also needs an identity Allow that
    // can match sts:AssumeRole; most have none, so they are not evaluated against every role.
    for (const acct of accountsNamed)
      for (const p of principalsByAccount.get(acct) ?? []) if (mayAssumeRoles(p)) candidates.add(p);
    if (anyone) for (const p of model.principals.values()) if (mayAssumeRoles(p)) candidates.add(p);
    const can = new Map<string, Ability>();
    for (const p of candidates) {
      if (p.id === r.id) continue;
      const d = ev.can(p, 'sts:AssumeRole', r.id, {
        resourcePolicy: trust,
        resourceAccount: r.account,
        trust: true,
      });
      if (d.decision !== 'Allowed') continue;
      const ab = merge([d]);
      can.set(p.id, ab);
      const cross = p.account !== r.account;
      emit(
        'AWS_ASSUME_ROLE',
        p.id,
        r.id,
        'sts-001',
        explain(
          'sts-001',
          `${p.node.name ?? p.id} can assume ${r.node.name ?? r.id}${cross ? ' (cross-account)' : ''}: trust admits it and sts:AssumeRole is allowed`,
          ab,
          {
            via: null,
          },
        ),
      );
    }
    assumable.set(r.id, can);
    // Principals outside the collected accounts: their account root, named ARNs, anyone.
    const trustOnly = (who: RequestPrincipal, source: string, label: string) => {
      // The trust policy alone decides for principals whose own policies are not collected.
      const d = evaluateRequest(
        {
          principal: who,
          action: who.type === 'federated' ? 'sts:AssumeRoleWithWebIdentity' : 'sts:AssumeRole',
          resource: r.id,
          resourceAccount: who.account,
          context: { values: {}, missing: 'unknown' },
        },
        { identity: [], resource: trust, resourceRequired: true },
      );
      if (d.decision !== 'Allowed' && who.type === 'federated') {
        const saml = evaluateRequest(
          {
            principal: who,
            action: 'sts:AssumeRoleWithSAML',
            resource: r.id,
            resourceAccount: who.account,
            context: { values: {}, missing: 'unknown' },
          },
          { identity: [], resource: trust, resourceRequired: true },
        );
        if (saml.decision === 'Allowed') Object.assign(d, saml);
      }
      if (d.decision !== 'Allowed') return;
      emit(
        'AWS_ASSUME_ROLE',
        source,
        r.id,
        'sts-001',
        explain('sts-001', `${label} is admitted by the trust policy of ${r.node.name ?? r.id}`, merge([d]), {
          via: null,
        }),
      );
    };
    for (const acct of accountsNamed)
      if (!model.accounts.has(acct))
        trustOnly(
          { arn: accountRootId(acct), type: 'root', account: acct },
          accountRootId(acct),
          `account ${acct}`,
        );
    for (const id of named)
      if (!model.principals.has(id) && exists(id))
        trustOnly({ arn: id, type: 'root', account: accountOfArn(id) ?? r.account }, id, id);
    for (const svc of services)
      if (exists(svc)) trustOnly({ arn: svc, type: 'service', account: r.account }, svc, svc);
    for (const f of federated)
      if (exists(f)) trustOnly({ arn: f, type: 'federated', account: r.account }, f, f);
    if (anyone && exists('*')) trustOnly({ arn: '*', type: 'root', account: r.account }, '*', 'anyone');

    // Organization-trusted roles: a member role that trusts the management account.
    for (const acct of [...accountsNamed, ...[...named].map((n) => accountOfArn(n) ?? '')]) {
      if (acct && model.org.get(acct)?.management && acct !== r.account)
        tierZero.set(r.id, `aws-org-trusted-role: trusts the organization management account ${acct}`);
    }
  }

  stage('assume');
  // ---------------------------------------------------------------- escalation techniques
  const rolesByAccount = new Map<string, Principal[]>();
  const usersByAccount = new Map<string, Principal[]>();
  for (const p of model.principals.values()) {
    const m = p.type === 'role' ? rolesByAccount : usersByAccount;
    const l = m.get(p.account) ?? [];
    l.push(p);
    m.set(p.account, l);
  }
  // The gain of a write to X's policies is admin only when X's boundary does not cap it.
  const cappedMemo = new Map<string, boolean>();
  const uncapped = (x: Principal): boolean => {
    if (!x.boundary) return true;
    const hit = cappedMemo.get(x.id);
    if (hit !== undefined) return hit;
    const v = uncappedUncached(x);
    cappedMemo.set(x.id, v);
    return v;
  };
  const uncappedUncached = (x: Principal): boolean => {
    if (!x.boundary) return true;
    const set: PolicySet = { identity: [x.boundary] };
    return ['iam:AttachRolePolicy', 'ec2:RunInstances', 's3:GetObject', 'lambda:CreateFunction'].every(
      (a) =>
        evaluateRequest(
          {
            principal: { arn: x.id, type: x.type, account: x.account },
            action: a,
            resource: '*',
            resourceAccount: x.account,
            context: { values: {}, missing: 'unknown' },
          },
          set,
        ).decision === 'Allowed',
    );
  };
  const adminCtx = { 'iam:policyarn': ADMIN_POLICY };
  const trustCache = new Map<string, Ability | undefined>();
  const trustsService = (r: Principal, services: string[]): Ability | undefined => {
    const k = `${r.id}|${services.join(',')}`;
    if (trustCache.has(k)) return trustCache.get(k);
    const v = trustsServiceUncached(r, services);
    trustCache.set(k, v);
    return v;
  };
  const trustsServiceUncached = (r: Principal, services: string[]): Ability | undefined => {
    if (!r.trust) return undefined;
    for (const svc of services) {
      const d = evaluateRequest(
        {
          principal: { arn: svc, type: 'service', account: r.account },
          action: 'sts:AssumeRole',
          resource: r.id,
          resourceAccount: r.account,
          context: { values: {}, missing: 'unknown' },
        },
        { identity: [], resource: { id: `${r.id}#trust`, document: r.trust }, resourceRequired: true },
      );
      if (d.decision === 'Allowed') return merge([d]);
    }
    return undefined;
  };
  /** Cheap pre-check: some Allow statement of P's identity policies names each action. */
  const hasAction = (p: Principal, actions: string[]) =>
    actions.every((a) =>
      p.policies.some((pol) =>
        compilePolicy(pol).some(
          (st) =>
            st.effect === 'Allow' &&
            (st.actions
              ? actionMatches(st.actions, a)
              : st.notActions
                ? !actionMatches(st.notActions, a)
                : false),
        ),
      ),
    );

  /**
   * P can make a new default version of managed policy M: iam:CreatePolicyVersion, and when M
   * already holds the maximum of 5 versions, iam:DeletePolicyVersion to make room.
   */
  const newVersion = (p: Principal, m: string): Decision[] | undefined => {
    const cv = ev.can(p, 'iam:CreatePolicyVersion', m);
    if (cv.decision !== 'Allowed') return undefined;
    const others = model.policies.get(m)?.node.props?.versions;
    if (1 + (Array.isArray(others) ? others.length : 0) < 5) return [cv];
    const dv = ev.can(p, 'iam:DeletePolicyVersion', m);
    return dv.decision === 'Allowed' ? [cv, dv] : undefined;
  };
  const resourcePolicyAccounts = new Set<string>();
  for (const resId of model.runsAs.keys()) {
    const res = model.nodes.get(resId);
    if (res?.account && res.props?.resourcePolicy) resourcePolicyAccounts.add(res.account);
  }
  // Roles each principal can assume (the reverse of `assumable`), and each role's position in its account's list.
  const assumedBy = new Map<string, Principal[]>();
  for (const [rid, admitted] of assumable) {
    const r = model.principals.get(rid);
    if (!r) continue;
    for (const pid of admitted.keys()) {
      const l = assumedBy.get(pid) ?? [];
      l.push(r);
      assumedBy.set(pid, l);
    }
  }
  const roleIndex = new Map<string, number>();
  for (const l of rolesByAccount.values()) for (const [i, r] of l.entries()) roleIndex.set(r.id, i);
  // Resources that run as roles, per account (in model order), and collected nodes per kind and account.
  const runsAsByAccount = new Map<string, [string, SnapshotNode, string[]][]>();
  for (const [resId, roles] of model.runsAs) {
    const res = model.nodes.get(resId);
    if (!res?.account) continue;
    const l = runsAsByAccount.get(res.account) ?? [];
    l.push([resId, res, roles]);
    runsAsByAccount.set(res.account, l);
  }
  const nodesByKindAccount = new Map<string, string[]>();
  for (const n of model.nodes.values()) {
    if (n.stub) continue;
    const k = `${n.kind}|${n.account}`;
    const l = nodesByKindAccount.get(k) ?? [];
    l.push(n.id);
    nodesByKindAccount.set(k, l);
  }
  for (const p of model.principals.values()) {
    if (admins.has(p.id)) continue;
    const memo = new Map<string, boolean>();
    const cands = (actions: string[]) =>
      actions.every((a) => {
        let v = memo.get(a);
        if (v === undefined) {
          v = hasAction(p, [a]);
          memo.set(a, v);
        }
        return v;
      });
    // Without an identity Allow only a resource policy can grant: skip unless P's account has
    // a resource that runs as a role and carries one (hijack through a function policy).
    if (
      !p.policies.some((pol) => compilePolicy(pol).some((st) => st.effect === 'Allow')) &&
      !resourcePolicyAccounts.has(p.account)
    )
      continue;
    const admin = adminNodeId(p.account);
    const name = p.node.name ?? p.id;
    const self = (
      technique: string,
      type: EdgeType,
      action: string,
      resource: string,
      via: string | null,
      reason: string,
      ctx = {},
    ) => {
      if (!cands([action])) return;
      const d = ev.can(p, action, resource, { context: ctx });
      if (d.decision !== 'Allowed') return;
      emit(type, p.id, admin, `${technique}|${via ?? ''}`, explain(technique, reason, merge([d]), { via }));
    };
    // Self-escalation.
    if (uncapped(p)) {
      for (const m of p.managedPolicies) {
        const pol = model.policies.get(m.id);
        if (!pol || pol.node.props?.awsManaged || m.id.startsWith('arn:aws:iam::aws:')) continue;
        const cv = cands(['iam:CreatePolicyVersion']) ? newVersion(p, m.id) : undefined;
        if (cv)
          emit(
            'AWS_EDIT_POLICY',
            p.id,
            admin,
            `iam-001|${m.id}`,
            explain(
              'iam-001',
              `${name} can write a new default version of ${pol.node.name ?? m.id}, attached to itself`,
              merge(cv),
              { via: m.id },
            ),
          );
        const versions = pol.node.props?.versions;
        if (
          Array.isArray(versions) &&
          versions.some((v) => isAdminDocument((v as { document?: unknown })?.document, ev, p))
        )
          self(
            'AWS-02',
            'AWS_EDIT_POLICY',
            'iam:SetDefaultPolicyVersion',
            m.id,
            m.id,
            `${name} can make an older admin version of ${pol.node.name ?? m.id} the default`,
          );
      }
      if (p.type === 'role') {
        self(
          'iam-005',
          'AWS_PUT_INLINE_POLICY',
          'iam:PutRolePolicy',
          p.id,
          null,
          `${name} can put an inline admin policy on its own role`,
        );
        self(
          'iam-009',
          'AWS_ATTACH_POLICY',
          'iam:AttachRolePolicy',
          p.id,
          null,
          `${name} can attach AdministratorAccess to its own role`,
          adminCtx,
        );
      } else {
        self(
          'iam-007',
          'AWS_PUT_INLINE_POLICY',
          'iam:PutUserPolicy',
          p.id,
          null,
          `${name} can put an inline admin policy on itself`,
        );
        self(
          'iam-008',
          'AWS_ATTACH_POLICY',
          'iam:AttachUserPolicy',
          p.id,
          null,
          `${name} can attach AdministratorAccess to itself`,
          adminCtx,
        );
        for (const g of p.groups) {
          const gname = model.groups.get(g)?.node.name ?? g;
          self(
            'iam-010',
            'AWS_ATTACH_POLICY',
            'iam:AttachGroupPolicy',
            g,
            g,
            `${name} can attach AdministratorAccess to its group ${gname}`,
            adminCtx,
          );
          self(
            'iam-011',
            'AWS_PUT_INLINE_POLICY',
            'iam:PutGroupPolicy',
            g,
            g,
            `${name} can put an inline admin policy on its group ${gname}`,
          );
        }
      }
    }
    if (p.type === 'user' && cands(['iam:AddUserToGroup'])) {
      for (const [gid, g] of model.groups) {
        if (g.node.account !== p.account || p.groups.includes(gid) || g.policies.length === 0) continue;
        const d = ev.can(p, 'iam:AddUserToGroup', gid);
        if (d.decision !== 'Allowed') continue;
        emit(
          'AWS_ADD_TO_GROUP',
          p.id,
          gid,
          'iam-013',
          explain(
            'iam-013',
            `${name} can add itself to ${g.node.name ?? gid} and gain its policies`,
            merge([d]),
            { via: null },
          ),
        );
      }
    }
    // Principal access: other users (every technique needs one of these actions).
    const userTechs =
      cands(['iam:CreateAccessKey']) ||
      cands(['iam:CreateLoginProfile']) ||
      cands(['iam:UpdateLoginProfile']);
    for (const u of userTechs ? (usersByAccount.get(p.account) ?? []) : []) {
      if (u.id === p.id) continue;
      const uname = u.node.name ?? u.id;
      const keys =
        typeof u.node.props?.accessKeyCount === 'number' ? (u.node.props.accessKeyCount as number) : null;
      if (cands(['iam:CreateAccessKey'])) {
        const ck = ev.can(p, 'iam:CreateAccessKey', u.id);
        if (ck.decision === 'Allowed') {
          if (keys === null || keys < 2)
            emit(
              'AWS_CREATE_ACCESS_KEY',
              p.id,
              u.id,
              'iam-002',
              explain(
                'iam-002',
                `${name} can create an access key for ${uname}`,
                merge([ck], keys === null ? ['the number of existing keys is unknown'] : []),
              ),
            );
          else {
            const dk = ev.can(p, 'iam:DeleteAccessKey', u.id);
            if (dk.decision === 'Allowed')
              emit(
                'AWS_CREATE_ACCESS_KEY',
                p.id,
                u.id,
                'iam-003',
                explain(
                  'iam-003',
                  `${name} can delete one of ${uname}'s two keys and create a new one`,
                  merge([ck, dk]),
                ),
              );
          }
          if (uncapped(u)) {
            const keyOk = keys === null || keys < 2;
            if (keyOk) {
              const at = ev.can(p, 'iam:AttachUserPolicy', u.id, { context: adminCtx });
              if (at.decision === 'Allowed')
                emit(
                  'AWS_ATTACH_POLICY',
                  p.id,
                  admin,
                  `iam-015|${u.id}`,
                  explain(
                    'iam-015',
                    `${name} can attach AdministratorAccess to ${uname} and mint its keys`,
                    merge([at, ck]),
                    { via: u.id },
                  ),
                );
              const pu = ev.can(p, 'iam:PutUserPolicy', u.id);
              if (pu.decision === 'Allowed')
                emit(
                  'AWS_PUT_INLINE_POLICY',
                  p.id,
                  admin,
                  `iam-018|${u.id}`,
                  explain(
                    'iam-018',
                    `${name} can put an inline admin policy on ${uname} and mint its keys`,
                    merge([pu, ck]),
                    { via: u.id },
                  ),
                );
            }
          }
        }
      }
      const hasLogin = u.node.props?.hasLoginProfile;
      const mfa = Boolean(u.node.props?.mfaEnabled);
      const pw = (technique: string, action: string, why: string) => {
        if (!cands([action])) return;
        const d = ev.can(p, action, u.id);
        if (d.decision !== 'Allowed') return;
        emit(
          'AWS_SET_PASSWORD',
          p.id,
          u.id,
          technique,
          explain(
            technique,
            `${name} can ${why} of ${uname}`,
            merge([d], hasLogin === undefined ? ['whether the user has a login profile is unknown'] : []),
            mfa ? { requiresMfaBypass: true } : {},
          ),
        );
      };
      if (hasLogin !== true) pw('iam-004', 'iam:CreateLoginProfile', 'create the console password');
      if (hasLogin !== false) pw('iam-006', 'iam:UpdateLoginProfile', 'reset the console password');
    }
    // Principal access: other roles. Without iam:UpdateAssumeRolePolicy only the roles P can
    // assume lead anywhere (in the same order).
    const otherRoles = cands(['iam:UpdateAssumeRolePolicy'])
      ? (rolesByAccount.get(p.account) ?? [])
      : (assumedBy.get(p.id) ?? [])
          .filter((r) => r.account === p.account)
          .sort((a, b) => (roleIndex.get(a.id) ?? 0) - (roleIndex.get(b.id) ?? 0));
    for (const r of otherRoles) {
      if (r.id === p.id) continue;
      const rname = r.node.name ?? r.id;
      const serviceLinked =
        Boolean(r.node.props?.serviceLinked) ||
        (r.node.props?.path as string | undefined)?.startsWith('/aws-service-role/');
      const assume = assumable.get(r.id)?.get(p.id);
      const trustEdit =
        !serviceLinked && cands(['iam:UpdateAssumeRolePolicy'])
          ? ev.can(p, 'iam:UpdateAssumeRolePolicy', r.id)
          : undefined;
      const canTrust = trustEdit?.decision === 'Allowed' ? trustEdit : undefined;
      if (canTrust)
        emit(
          'AWS_EDIT_TRUST',
          p.id,
          r.id,
          'iam-012',
          explain(
            'iam-012',
            `${name} can rewrite the trust policy of ${rname} to admit itself`,
            merge([canTrust]),
            { via: null },
          ),
        );
      if (serviceLinked || !uncapped(r) || (!assume && !canTrust)) continue;
      // Ways in: assume (iam-014/016/017) or rewrite the trust (iam-019/020/021).
      const entries: [string, string, Ability | Decision][] = [];
      if (assume) entries.push(['assume', 'and assume it', assume]);
      if (canTrust) entries.push(['trust', 'and rewrite its trust', canTrust]);
      for (const [how, words, entry] of entries) {
        const at = cands(['iam:AttachRolePolicy'])
          ? ev.can(p, 'iam:AttachRolePolicy', r.id, { context: adminCtx })
          : undefined;
        if (at?.decision === 'Allowed') {
          const t = how === 'assume' ? 'iam-014' : 'iam-019';
          emit(
            'AWS_ATTACH_POLICY',
            p.id,
            admin,
            `${t}|${r.id}`,
            explain(t, `${name} can attach AdministratorAccess to ${rname} ${words}`, merge([at, entry]), {
              via: r.id,
            }),
          );
        }
        const pr = cands(['iam:PutRolePolicy']) ? ev.can(p, 'iam:PutRolePolicy', r.id) : undefined;
        if (pr?.decision === 'Allowed') {
          const t = how === 'assume' ? 'iam-017' : 'iam-021';
          emit(
            'AWS_PUT_INLINE_POLICY',
            p.id,
            admin,
            `${t}|${r.id}`,
            explain(t, `${name} can put an inline admin policy on ${rname} ${words}`, merge([pr, entry]), {
              via: r.id,
            }),
          );
        }
        if (cands(['iam:CreatePolicyVersion'])) {
          for (const m of r.managedPolicies) {
            if (m.id.startsWith('arn:aws:iam::aws:') || model.policies.get(m.id)?.node.props?.awsManaged)
              continue;
            const cv = newVersion(p, m.id);
            if (!cv) continue;
            const t = how === 'assume' ? 'iam-016' : 'iam-020';
            emit(
              'AWS_EDIT_POLICY',
              p.id,
              admin,
              `${t}|${r.id}|${m.id}`,
              explain(
                t,
                `${name} can rewrite ${model.policies.get(m.id)?.node.name ?? m.id} (attached to ${rname}) ${words}`,
                merge([...cv, entry]),
                { via: r.id },
              ),
            );
          }
        }
      }
    }
    // New-passrole.
    const passTechs = cands(['iam:PassRole'])
      ? PASSROLE_TECHNIQUES.filter((t) => t.actions.every((a) => catalog.get(a)) && cands(t.actions))
      : [];
    if (passTechs.length > 0) {
      for (const r of rolesByAccount.get(p.account) ?? []) {
        if (r.id === p.id) continue;
        for (const t of passTechs) {
          if (t.needsInstanceProfile && !model.inProfile.has(r.id)) continue;
          // The role goes to a service it trusts, so iam:PassedToService names that one
          // (Data Pipeline roles may trust elasticmapreduce instead of datapipeline).
          let trust: Ability | undefined;
          let pass: Decision | undefined;
          for (const service of t.services) {
            const tr = trustsService(r, [service]);
            if (!tr) continue;
            const d = ev.can(p, 'iam:PassRole', r.id, { context: { 'iam:passedtoservice': service } });
            if (d.decision !== 'Allowed') continue;
            trust = tr;
            pass = d;
            break;
          }
          if (!trust || !pass) continue;
          const svc = t.services[0]!.split('.')[0] === 'tasks' ? 'apprunner' : t.id.split('-')[0]!;
          const targets: (string | null)[] = t.existing
            ? (nodesByKindAccount.get(`${t.existing}|${p.account}`) ?? [])
            : [null];
          for (const via of targets) {
            const acts = ev.canAll(p, t.actions, via ?? '*');
            if (!acts) continue;
            emit(
              'AWS_PASSROLE_VIA',
              p.id,
              r.id,
              `${t.id}${via ? `|${via}` : ''}`,
              explain(
                t.id,
                `${name} can pass ${r.node.name ?? r.id} to ${svc} (${t.name})`,
                merge([pass, ...acts, trust], t.undecided ? [t.undecided] : []),
                { svc, via },
              ),
            );
          }
        }
      }
    }
    // cloudformation-003: a new StackSet with an administration role A that P can pass; the
    // gain is every execution role E (any collected account) that A can assume.
    const stackSet = ['cloudformation:CreateStackSet', 'cloudformation:CreateStackInstances'];
    if (cands(['iam:PassRole', ...stackSet])) {
      const creates = ev.canAll(p, stackSet, '*');
      for (const a of creates ? (rolesByAccount.get(p.account) ?? []) : []) {
        const trust = trustsService(a, ['cloudformation.amazonaws.com']);
        if (!trust) continue;
        const pass = ev.can(p, 'iam:PassRole', a.id, {
          context: { 'iam:passedtoservice': 'cloudformation.amazonaws.com' },
        });
        if (pass.decision !== 'Allowed') continue;
        for (const [eid, admitted] of assumable) {
          const hop = admitted.get(a.id);
          if (!hop || eid === p.id) continue;
          emit(
            'AWS_PASSROLE_VIA',
            p.id,
            eid,
            `cloudformation-003|${a.id}`,
            explain(
              'cloudformation-003',
              `${name} can pass ${a.node.name ?? a.id} to a new StackSet whose instances run as ${model.nodes.get(eid)?.name ?? eid}`,
              merge([pass, ...(creates ?? []), trust, hop]),
              { svc: 'cloudformation', via: a.id },
            ),
          );
        }
      }
    }
    // Existing-passrole: hijack resources that run as a role.
    const hijackTechs = HIJACK_TECHNIQUES.filter((t) => cands(t.actions));
    for (const [resId, res, roles] of runsAsByAccount.get(p.account) ?? []) {
      if (hijackTechs.length === 0 && !res.props?.resourcePolicy) continue;
      for (const t of res.props?.resourcePolicy ? HIJACK_TECHNIQUES : hijackTechs) {
        if (!t.kinds.includes(res.kind)) continue;
        if (!cands(t.actions) && !res.props?.resourcePolicy) continue;
        const rp = res.props?.resourcePolicy
          ? { id: `${resId}#policy`, document: res.props.resourcePolicy as never }
          : null;
        const acts = ev.canAll(p, t.actions, resId, {
          resourcePolicy: rp,
          resourceAccount: res.account ?? null,
        });
        if (!acts) continue;
        for (const roleId of roles) {
          if (roleId === p.id) continue;
          const svc = t.id.split('-')[0]!;
          emit(
            t.edge ?? 'AWS_HIJACK_RESOURCE',
            p.id,
            roleId,
            `${t.id}|${resId}`,
            explain(
              t.id,
              `${name} can take over ${res.name ?? resId}, which runs as ${model.nodes.get(roleId)?.name ?? roleId} (${t.name})`,
              merge(acts, t.undecided ? [t.undecided] : []),
              { svc, via: resId },
            ),
          );
        }
      }
    }
  }
  stage('techniques');
  timings.memoHits = ev.memoHits;
  timings.memoMisses = ev.memoMisses;
  // The synthetic ADMIN node of an account exists when the snapshot carries it, or is
  // created for accounts some escalation edge points at; otherwise there is nothing to mark.
  const needed = adminAccounts.filter((a) => model.nodes.has(adminNodeId(a)) || targeted.has(adminNodeId(a)));
  const neededIds = new Set(needed.map(adminNodeId));
  return {
    edges,
    tierZero: [...tierZero.entries()]
      .map(([id, reason]) => ({ id, reason }))
      .filter((m) => model.nodes.has(m.id) || neededIds.has(m.id)),
    adminAccounts: needed,
    stats,
    timings,
  };
}

/** Whether a policy document alone grants "*" or "iam:*" on "*". */
function isAdminDocument(doc: unknown, ev: AwsEvaluator, p: Principal): boolean {
  if (!doc || typeof doc !== 'object') return false;
  const d = evaluateRequest(
    {
      principal: ev.requestPrincipal(p),
      action: 'iam:AttachRolePolicy',
      resource: '*',
      resourceAccount: p.account,
      context: ev.context(p),
    },
    { identity: [{ id: 'version', document: doc as never }] },
  );
  return d.decision === 'Allowed';
}
