/**
 * Exact IAM request evaluation: identity policies, permission boundary, session policy,
 * SCPs and RCPs per organization level, resource (and trust) policies. Explicit Deny wins;
 * every statement is matched on Action/NotAction, Resource/NotResource,
 * Principal/NotPrincipal and Condition, three-valued: a statement whose condition cannot be
 * decided "maybe" applies, and a decision that depends on one is `conditional`, listing the
 * undecided conditions. Never silently allowed, never silently dropped.
 */
import {
  type ConditionContext,
  evaluateConditionBlock,
  substituteVariables,
  type UndecidedCondition,
} from './conditions.js';
import { globRegex, resourceMatch } from './glob.js';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny' | string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement?: Statement | Statement[];
}

export interface NamedPolicy {
  /** Graph id of the policy (ARN or inline id); used in `grantedBy`. */
  id: string;
  document: PolicyDocument | null | undefined;
}

export type PrincipalType = 'user' | 'role' | 'root' | 'service' | 'federated' | 'anonymous';

export interface RequestPrincipal {
  /** IAM ARN (user, role, account root), service principal or federated provider. */
  arn: string;
  type: PrincipalType;
  account: string | null;
  /** For roles: the session ARN a resource policy may name. */
  sessionArn?: string;
}

export interface Request {
  principal: RequestPrincipal;
  action: string;
  /** Concrete ARN, or a pattern when `resourceIsPattern` (the caller picks the name). */
  resource: string;
  resourceAccount: string | null;
  resourceIsPattern?: boolean;
  context: ConditionContext;
}

export interface PolicySet {
  identity: NamedPolicy[];
  boundary?: NamedPolicy | null;
  session?: NamedPolicy | null;
  /** SCPs per level, organization root first, the account last. Empty: not in an organization. */
  scps?: NamedPolicy[][];
  /** RCPs per level (RCPFullAWSAccess is implicit, so only their Deny statements matter). */
  rcps?: NamedPolicy[][];
  /** The resource-based policy (a role's trust policy for sts:AssumeRole). */
  resource?: NamedPolicy | null;
  /**
   * The resource policy must allow in every case (a role trust policy for sts:AssumeRole*):
   * no trust, no session, whatever the identity side says.
   */
  resourceRequired?: boolean;
}

export interface Grant {
  policy: string;
  statement: string;
  action: string;
}

export type DecisionKind = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Decision {
  decision: DecisionKind;
  /** Allowed only if the undecided conditions go the right way. */
  conditional: boolean;
  conditions: UndecidedCondition[];
  grantedBy: Grant[];
  /** Why it was denied (policy type). */
  deniedBy?: string;
}

// ------------------------------------------------------------------ compiled statements

export interface CompiledStatement {
  policy: string;
  sid: string;
  effect: 'Allow' | 'Deny';
  actions: string[] | null;
  notActions: string[] | null;
  resources: string[] | null;
  notResources: string[] | null;
  principal: unknown;
  notPrincipal: unknown;
  condition: Statement['Condition'];
}

const arr = (v: unknown): string[] | null =>
  v === undefined || v === null ? null : Array.isArray(v) ? v.map(String) : [String(v)];

const compiledCache = new WeakMap<object, CompiledStatement[]>();

export function statementsOf(doc: PolicyDocument | null | undefined): Statement[] {
  if (!doc || typeof doc !== 'object') return [];
  const s = doc.Statement;
  if (!s) return [];
  return Array.isArray(s) ? s : [s];
}

export function compilePolicy(p: NamedPolicy): CompiledStatement[] {
  const doc = p.document;
  if (doc && typeof doc === 'object') {
    const hit = compiledCache.get(doc);
    if (hit && hit[0]?.policy === p.id) return hit;
  }
  const out = statementsOf(doc).map(
    (s, i): CompiledStatement => ({
      policy: p.id,
      sid: s.Sid ? `${i}:${s.Sid}` : String(i),
      effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
      actions: arr(s.Action),
      notActions: arr(s.NotAction),
      resources: arr(s.Resource),
      notResources: arr(s.NotResource),
      principal: s.Principal,
      notPrincipal: s.NotPrincipal,
      condition: s.Condition,
    }),
  );
  if (doc && typeof doc === 'object' && out.length > 0) compiledCache.set(doc, out);
  return out;
}

// ------------------------------------------------------------------ matching

/** An Action/NotAction list compiled once: lower-case literals in a set, wildcards in one regex. */
interface ActionMatcher {
  any: boolean;
  literals: Set<string>;
  exact: Set<string>;
  re: RegExp | null;
}

const matcherCache = new WeakMap<string[], ActionMatcher>();

function compileActions(patterns: string[]): ActionMatcher {
  const m: ActionMatcher = { any: false, literals: new Set(), exact: new Set(), re: null };
  const wild: string[] = [];
  for (const p of patterns) {
    if (p === '*') m.any = true;
    else if (p.includes('*') || p.includes('?')) wild.push(globRegex(p, true).source.slice(1, -1));
    else {
      m.exact.add(p);
      m.literals.add(p.toLowerCase());
    }
  }
  if (wild.length > 0) m.re = new RegExp(`^(?:${wild.join('|')})$`, 'is');
  return m;
}

/** Whether an action matches one of the patterns (IAM wildcards, case-insensitive). */
const matcherByText = new Map<string, ActionMatcher>();

export function actionMatches(patterns: string[], action: string): boolean {
  if (patterns.length === 1) {
    const p = patterns[0] as string;
    if (p === '*' || p === action) return true;
    if (!p.includes('*') && !p.includes('?'))
      return p.length === action.length && p.toLowerCase() === action.toLowerCase();
  }
  let m = matcherCache.get(patterns);
  if (!m) {
    const text = patterns.join('\u0000');
    m = matcherByText.get(text);
    if (!m) {
      m = compileActions(patterns);
      if (matcherByText.size > 50_000) matcherByText.clear();
      matcherByText.set(text, m);
    }
    matcherCache.set(patterns, m);
  }
  if (m.any || m.exact.has(action)) return true;
  if (m.literals.size > 0 && m.literals.has(action.toLowerCase())) return true;
  return m.re ? m.re.test(action) : false;
}

type Match = { kind: 'no' } | { kind: 'yes' } | { kind: 'maybe'; undecided: UndecidedCondition[] };

function resourceListMatch(patterns: string[], req: Request, useExists: boolean): 'yes' | 'no' | 'maybe' {
  let maybe = false;
  for (const raw of patterns) {
    const p = substituteVariables(raw, req.context);
    if (p === undefined) {
      maybe = true;
      continue;
    }
    if (resourceMatch(p, req.resource, useExists ? 'exists' : 'literal')) return 'yes';
  }
  return maybe ? 'maybe' : 'no';
}

/**
 * How a principal element matches: `direct` (names the principal, its session or anyone),
 * `account` (names its account: delegation, the identity side must allow too), or `none`.
 */
export type PrincipalMatch = 'direct' | 'account' | 'none';

export function principalMatch(element: unknown, who: RequestPrincipal): PrincipalMatch {
  if (element === undefined || element === null) return 'none';
  if (element === '*') return 'direct';
  if (typeof element !== 'object') return 'none';
  let best: PrincipalMatch = 'none';
  for (const [type, raw] of Object.entries(element as Record<string, unknown>)) {
    const values = arr(raw) ?? [];
    for (const v of values) {
      let m: PrincipalMatch = 'none';
      if (type === 'AWS') {
        if (who.type === 'service' || who.type === 'anonymous' || who.type === 'federated') {
          m = 'none';
        } else if (v === '*') m = 'direct';
        else if (v === who.arn || (who.sessionArn && v === who.sessionArn)) m = 'direct';
        else if (who.account && (v === who.account || v === `arn:aws:iam::${who.account}:root`))
          m = who.type === 'root' ? 'direct' : 'account';
      } else if (type === 'Service') {
        if (who.type === 'service' && v.toLowerCase() === who.arn.toLowerCase()) m = 'direct';
      } else if (type === 'Federated') {
        if (who.type === 'federated' && v === who.arn) m = 'direct';
      }
      if (m === 'direct') return 'direct';
      if (m === 'account') best = 'account';
    }
  }
  return best;
}

/**
 * Whether a statement applies to the request. For Deny statements over a request pattern
 * the statement must cover the whole pattern (`literal` matching); for Allow statements
 * some name must fit (`exists`).
 */
export function statementMatch(
  s: CompiledStatement,
  req: Request,
  opts: { resourcePolicy?: boolean } = {},
): Match & { principal?: PrincipalMatch } {
  if (s.actions && !actionMatches(s.actions, req.action)) return { kind: 'no' };
  if (s.notActions && actionMatches(s.notActions, req.action)) return { kind: 'no' };
  if (!s.actions && !s.notActions) return { kind: 'no' };
  const exists = Boolean(req.resourceIsPattern) && s.effect === 'Allow';
  let maybe = false;
  if (s.resources) {
    const r = resourceListMatch(s.resources, req, exists);
    if (r === 'no') return { kind: 'no' };
    if (r === 'maybe') maybe = true;
  } else if (s.notResources) {
    // NotResource: the request resource is none of them. A pattern request: for Allow some
    // name outside the list exists unless a listed pattern covers all of it; for Deny every
    // name must be outside the list.
    const r = resourceListMatch(s.notResources, req, !exists && Boolean(req.resourceIsPattern));
    if (r === 'yes') return { kind: 'no' };
    if (r === 'maybe') maybe = true;
  } else if (!opts.resourcePolicy) {
    return { kind: 'no' };
  }
  let principal: PrincipalMatch | undefined;
  if (opts.resourcePolicy) {
    if (s.principal !== undefined) {
      principal = principalMatch(s.principal, req.principal);
      if (principal === 'none') return { kind: 'no' };
    } else if (s.notPrincipal !== undefined) {
      if (principalMatch(s.notPrincipal, req.principal) !== 'none') return { kind: 'no' };
      principal = 'direct';
    } else return { kind: 'no' };
  }
  const c = evaluateConditionBlock(s.condition, req.context);
  if (c.result === 'false') return { kind: 'no' };
  const undecided = [...c.undecided];
  if (maybe)
    undecided.push({ operator: 'PolicyVariable', key: 'Resource', values: s.resources ?? s.notResources });
  if (undecided.length > 0) return { kind: 'maybe', undecided, ...(principal ? { principal } : {}) };
  return { kind: 'yes', ...(principal ? { principal } : {}) };
}

interface PolicyOutcome {
  denyYes: CompiledStatement[];
  denyMaybe: { s: CompiledStatement; undecided: UndecidedCondition[] }[];
  allowYes: { s: CompiledStatement; principal?: PrincipalMatch }[];
  allowMaybe: { s: CompiledStatement; undecided: UndecidedCondition[]; principal?: PrincipalMatch }[];
}

function evaluatePolicies(policies: NamedPolicy[], req: Request, resourcePolicy = false): PolicyOutcome {
  const out: PolicyOutcome = { denyYes: [], denyMaybe: [], allowYes: [], allowMaybe: [] };
  for (const p of policies) {
    for (const s of compilePolicy(p)) {
      const m = statementMatch(s, req, { resourcePolicy });
      if (m.kind === 'no') continue;
      if (s.effect === 'Deny') {
        if (m.kind === 'yes') out.denyYes.push(s);
        else out.denyMaybe.push({ s, undecided: m.undecided });
      } else if (m.kind === 'yes')
        out.allowYes.push({ s, ...(m.principal ? { principal: m.principal } : {}) });
      else
        out.allowMaybe.push({
          s,
          undecided: m.undecided,
          ...(m.principal ? { principal: m.principal } : {}),
        });
    }
  }
  return out;
}

/** Tri-state "this layer allows": yes (with grants), maybe (with conditions), no. */
interface LayerAllow {
  state: 'yes' | 'maybe' | 'no';
  grants: CompiledStatement[];
  undecided: UndecidedCondition[];
}

function layerAllow(o: PolicyOutcome, filter?: (p?: PrincipalMatch) => boolean): LayerAllow {
  const yes = o.allowYes.filter((a) => !filter || filter(a.principal));
  if (yes.length > 0) return { state: 'yes', grants: yes.map((a) => a.s), undecided: [] };
  const maybe = o.allowMaybe.filter((a) => !filter || filter(a.principal));
  if (maybe.length > 0) {
    // Any one of them suffices; keep the first one's conditions as the stated requirement.
    return { state: 'maybe', grants: maybe.map((a) => a.s), undecided: maybe[0]!.undecided };
  }
  return { state: 'no', grants: [], undecided: [] };
}

function negate(u: UndecidedCondition[]): UndecidedCondition[] {
  return u.map((c) => ({ ...c, operator: `Not(${c.operator})` }));
}

const grantOf = (s: CompiledStatement, action: string): Grant => ({
  policy: s.policy,
  statement: s.sid,
  action,
});

export interface EvaluateOptions {
  /** The principal's account is the organization management account (SCPs do not apply). */
  scpExempt?: boolean;
}

/** Evaluates one request against a principal's and a resource's policies. */
export function evaluateRequest(req: Request, set: PolicySet, opts: EvaluateOptions = {}): Decision {
  const conditions: UndecidedCondition[] = [];
  const denied = (deniedBy: string, kind: DecisionKind = 'ImplicitlyDenied'): Decision => ({
    decision: kind,
    conditional: false,
    conditions: [],
    grantedBy: [],
    deniedBy,
  });

  const identity = evaluatePolicies(set.identity, req);
  const boundary = set.boundary ? evaluatePolicies([set.boundary], req) : null;
  const session = set.session ? evaluatePolicies([set.session], req) : null;
  const resource = set.resource ? evaluatePolicies([set.resource], req, true) : null;
  const scpLevels = opts.scpExempt ? [] : (set.scps ?? []).map((lvl) => evaluatePolicies(lvl, req));
  const rcpLevels = (set.rcps ?? []).map((lvl) => evaluatePolicies(lvl, req));

  // 1. Explicit deny anywhere wins.
  const all: [string, PolicyOutcome | null][] = [
    ['scp', null],
    ['identity', identity],
    ['boundary', boundary],
    ['session', session],
    ['resource', resource],
  ];
  for (const [i, lvl] of scpLevels.entries()) all.push([`scp[${i}]`, lvl]);
  for (const [i, lvl] of rcpLevels.entries()) all.push([`rcp[${i}]`, lvl]);
  for (const [name, o] of all) {
    if (!o) continue;
    if (o.denyYes.length > 0) {
      const d = denied(name.replace(/\[\d+\]$/, ''), 'ExplicitlyDenied');
      d.grantedBy = o.denyYes.map((s) => grantOf(s, req.action));
      return d;
    }
    for (const m of o.denyMaybe) conditions.push(...negate(m.undecided));
  }

  // 2. SCPs: every level from the root to the account must allow.
  for (const lvl of scpLevels) {
    const a = layerAllow(lvl);
    if (a.state === 'no') return denied('scp');
    if (a.state === 'maybe') conditions.push(...a.undecided);
  }

  // 3. Resource policy and identity side.
  const sameAccount =
    req.resourceAccount !== null &&
    req.principal.account !== null &&
    req.resourceAccount === req.principal.account;
  const idAllow = layerAllow(identity);
  const capLayers = [boundary, session].filter((x): x is PolicyOutcome => x !== null);
  const caps = capLayers.map((o) => layerAllow(o));
  const capsState = caps.some((c) => c.state === 'no')
    ? 'no'
    : caps.some((c) => c.state === 'maybe')
      ? 'maybe'
      : 'yes';
  const capConds = caps.flatMap((c) => c.undecided);

  const resDirect = resource ? layerAllow(resource, (p) => p === 'direct') : null;
  const resAny = resource ? layerAllow(resource) : null;

  const finish = (grants: CompiledStatement[], extra: UndecidedCondition[]): Decision => {
    const conds = [...conditions, ...extra];
    return {
      decision: 'Allowed',
      conditional: conds.length > 0,
      conditions: conds,
      grantedBy: grants.map((s) => grantOf(s, req.action)),
    };
  };

  if (set.resourceRequired && (!resAny || resAny.state === 'no')) return denied('resource');
  if (sameAccount) {
    // A resource policy naming the principal itself (user, role session, or anyone) grants on
    // its own, even past a boundary's implicit deny; naming a role ARN stays capped by it.
    if (resDirect && resDirect.state !== 'no') {
      const capsApply = req.principal.type === 'role';
      if (!capsApply || capsState === 'yes') return finish(resDirect.grants, resDirect.undecided);
      if (capsState === 'maybe') return finish(resDirect.grants, [...resDirect.undecided, ...capConds]);
    }
    if (idAllow.state === 'no') return denied('identity');
    if (capsState === 'no') return denied(caps[0]?.state === 'no' && boundary ? 'boundary' : 'session');
    // A trust that admits the principal only through its account (delegation) is part of
    // the grant: name its statement and keep its undecided conditions (MFA, ExternalId...).
    const trust = set.resourceRequired && resAny ? resAny : null;
    return finish(
      [...idAllow.grants, ...(trust?.grants ?? [])],
      [...idAllow.undecided, ...capConds, ...(trust?.undecided ?? [])],
    );
  }
  // Cross-account (or unknown account): both sides must allow.
  if (idAllow.state === 'no') return denied('identity');
  if (capsState === 'no') return denied(boundary ? 'boundary' : 'session');
  if (!resAny || resAny.state === 'no') return denied('resource');
  return finish(
    [...idAllow.grants, ...resAny.grants],
    [...idAllow.undecided, ...capConds, ...resAny.undecided],
  );
}
