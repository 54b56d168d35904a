/**
 * IAM condition operators, evaluated three-valued: `true`, `false`, or `unknown` when the
 * request context does not say (the key's value is not known at analysis time). An unknown
 * condition never becomes true or false silently: the caller marks the result conditional.
 */
import { globMatch, resourceMatch } from './glob.js';

export type Tri = 'true' | 'false' | 'unknown';

export interface ConditionContext {
  /** Known values, keys lower-case. A key mapped to `null` is known to be absent. */
  values: Record<string, string | string[] | null>;
  /** How keys missing from `values` are treated: absent from the request, or not known. */
  missing: 'absent' | 'unknown';
  /** Lower-case key prefixes whose unlisted keys are known to be absent (e.g. all principal tags are known). */
  absentPrefixes?: string[];
}

export function contextOf(
  values: Record<string, string | string[] | null>,
  missing: 'absent' | 'unknown',
): ConditionContext {
  const lower: ConditionContext['values'] = {};
  for (const [k, v] of Object.entries(values)) lower[k.toLowerCase()] = v;
  return { values: lower, missing };
}

export function triAnd(a: Tri, b: Tri): Tri {
  if (a === 'false' || b === 'false') return 'false';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return 'true';
}

export function triNot(a: Tri): Tri {
  return a === 'true' ? 'false' : a === 'false' ? 'true' : 'unknown';
}

/** Looks a key up: a list of values, `null` (absent) or `undefined` (unknown). */
function lookup(ctx: ConditionContext, key: string): string[] | null | undefined {
  const k = key.toLowerCase();
  if (Object.hasOwn(ctx.values, k)) {
    const v = ctx.values[k];
    if (v === null || v === undefined) return null;
    return Array.isArray(v) ? v : [v];
  }
  if (ctx.absentPrefixes?.some((p) => k.startsWith(p))) return null;
  return ctx.missing === 'absent' ? null : undefined;
}

const VAR = /\$\{([^}]+)\}/g;

/** Replaces policy variables (`${aws:username}`, `${*}`...). Returns undefined if one is unknown. */
export function substituteVariables(value: string, ctx: ConditionContext): string | undefined {
  if (!value.includes('${')) return value;
  let unknown = false;
  const out = value.replace(VAR, (_m, name: string) => {
    if (name === '*' || name === '?' || name === '$') return name;
    const [key, dflt] = name.split(/\s*,\s*/);
    const v = lookup(ctx, (key ?? '').trim());
    if (v && v.length === 1) return v[0] as string;
    if (dflt !== undefined) return dflt.replace(/^'|'$/g, '');
    if (v === null) return '\u0000'; // absent: matches nothing
    unknown = true;
    return '';
  });
  return unknown ? undefined : out;
}

type Cmp = (ctxValue: string, policyValue: string) => boolean | undefined;

function parseDate(v: string): number | undefined {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function ipv4(v: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) return undefined;
  const n = m.slice(1).map(Number);
  if (n.some((x) => x > 255)) return undefined;
  return ((n[0]! << 24) | (n[1]! << 16) | (n[2]! << 8) | n[3]!) >>> 0;
}

function ipMatch(ctxValue: string, cidr: string): boolean | undefined {
  const [base, bitsRaw] = cidr.split('/');
  const ip = ipv4(ctxValue);
  const net = ipv4(base ?? '');
  if (ip === undefined || net === undefined) return undefined;
  const bits = bitsRaw === undefined ? 32 : Number(bitsRaw);
  if (!(bits >= 0 && bits <= 32)) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ip & mask) === (net & mask);
}

const num =
  (f: (a: number, b: number) => boolean): Cmp =>
  (c, p) => {
    const a = Number(c);
    const b = Number(p);
    if (c.trim() === '' || p.trim() === '' || Number.isNaN(a) || Number.isNaN(b)) return undefined;
    return f(a, b);
  };
const date =
  (f: (a: number, b: number) => boolean): Cmp =>
  (c, p) => {
    const a = parseDate(c);
    const b = parseDate(p);
    if (a === undefined || b === undefined) return undefined;
    return f(a, b);
  };

/** Base operators: comparison and whether the operator is a negation ("Not..."). */
const OPERATORS: Record<string, { cmp: Cmp; negated: boolean }> = {
  stringequals: { cmp: (c, p) => c === p, negated: false },
  stringnotequals: { cmp: (c, p) => c === p, negated: true },
  stringequalsignorecase: { cmp: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: false },
  stringnotequalsignorecase: { cmp: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: true },
  stringlike: { cmp: (c, p) => globMatch(p, c), negated: false },
  stringnotlike: { cmp: (c, p) => globMatch(p, c), negated: true },
  numericequals: { cmp: num((a, b) => a === b), negated: false },
  numericnotequals: { cmp: num((a, b) => a === b), negated: true },
  numericlessthan: { cmp: num((a, b) => a < b), negated: false },
  numericlessthanequals: { cmp: num((a, b) => a <= b), negated: false },
  numericgreaterthan: { cmp: num((a, b) => a > b), negated: false },
  numericgreaterthanequals: { cmp: num((a, b) => a >= b), negated: false },
  dateequals: { cmp: date((a, b) => a === b), negated: false },
  datenotequals: { cmp: date((a, b) => a === b), negated: true },
  datelessthan: { cmp: date((a, b) => a < b), negated: false },
  datelessthanequals: { cmp: date((a, b) => a <= b), negated: false },
  dategreaterthan: { cmp: date((a, b) => a > b), negated: false },
  dategreaterthanequals: { cmp: date((a, b) => a >= b), negated: false },
  bool: { cmp: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: false },
  binaryequals: { cmp: (c, p) => c === p, negated: false },
  ipaddress: { cmp: ipMatch, negated: false },
  notipaddress: { cmp: ipMatch, negated: true },
  arnequals: { cmp: (c, p) => resourceMatch(p, c), negated: false },
  arnlike: { cmp: (c, p) => resourceMatch(p, c), negated: false },
  arnnotequals: { cmp: (c, p) => resourceMatch(p, c), negated: true },
  arnnotlike: { cmp: (c, p) => resourceMatch(p, c), negated: true },
};

export function isKnownOperator(op: string): boolean {
  const parsed = parseOperator(op);
  return parsed !== undefined;
}

function parseOperator(op: string): { base: string; ifExists: boolean; set?: 'any' | 'all' } | undefined {
  let rest = op.toLowerCase();
  let set: 'any' | 'all' | undefined;
  if (rest.startsWith('forallvalues:')) {
    set = 'all';
    rest = rest.slice('forallvalues:'.length);
  } else if (rest.startsWith('foranyvalue:')) {
    set = 'any';
    rest = rest.slice('foranyvalue:'.length);
  }
  let ifExists = false;
  if (rest.endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  if (rest !== 'null' && !OPERATORS[rest]) return undefined;
  return { base: rest, ifExists, ...(set ? { set } : {}) };
}

/** One context value against the policy values: does it "match" (before negation)? */
function matchOne(cmp: Cmp, ctxValue: string, policyValues: string[]): Tri {
  let unknown = false;
  for (const p of policyValues) {
    const r = cmp(ctxValue, p);
    if (r === true) return 'true';
    if (r === undefined) unknown = true;
  }
  return unknown ? 'unknown' : 'false';
}

/** Evaluates one operator on one key. */
export function evaluateOperator(
  operator: string,
  key: string,
  rawPolicyValues: unknown,
  ctx: ConditionContext,
): Tri {
  const op = parseOperator(operator);
  if (!op) return 'unknown';
  const list = (Array.isArray(rawPolicyValues) ? rawPolicyValues : [rawPolicyValues]).map((v) => String(v));
  const ctxValues = lookup(ctx, key);
  if (op.base === 'null') {
    if (ctxValues === undefined) return 'unknown';
    const absent = ctxValues === null || ctxValues.length === 0;
    const want = list.map((v) => v.toLowerCase() === 'true');
    return want.some((w) => w === absent) ? 'true' : 'false';
  }
  // Policy variables in condition values.
  const policyValues: string[] = [];
  for (const v of list) {
    const s = substituteVariables(v, ctx);
    if (s === undefined) return 'unknown';
    policyValues.push(s);
  }
  const { cmp, negated } = OPERATORS[op.base]!;
  if (ctxValues === undefined) return 'unknown';
  if (op.set === 'all') {
    if (ctxValues === null || ctxValues.length === 0) return 'true';
    let acc: Tri = 'true';
    for (const c of ctxValues) {
      const m = matchOne(cmp, c, policyValues);
      acc = triAnd(acc, negated ? triNot(m) : m);
    }
    return acc;
  }
  if (ctxValues === null || ctxValues.length === 0) {
    if (op.ifExists) return 'true';
    if (op.set === 'any') return 'false';
    return negated ? 'true' : 'false';
  }
  // ForAnyValue and single-valued keys: some context value satisfies the operator.
  let acc: Tri = 'false';
  for (const c of ctxValues) {
    const m = matchOne(cmp, c, policyValues);
    const r = negated ? triNot(m) : m;
    if (r === 'true') return 'true';
    if (r === 'unknown') acc = 'unknown';
  }
  return acc;
}

export interface UndecidedCondition {
  operator: string;
  key: string;
  values: unknown;
}

/** Evaluates a Condition block (AND of operators, AND of keys). Lists what stayed undecided. */
export function evaluateConditionBlock(
  block: Record<string, Record<string, unknown>> | undefined,
  ctx: ConditionContext,
): { result: Tri; undecided: UndecidedCondition[] } {
  if (!block) return { result: 'true', undecided: [] };
  let result: Tri = 'true';
  const undecided: UndecidedCondition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    if (!keys || typeof keys !== 'object') continue;
    for (const [key, values] of Object.entries(keys)) {
      const r = evaluateOperator(operator, key, values, ctx);
      if (r === 'false') return { result: 'false', undecided: [] };
      if (r === 'unknown') {
        result = 'unknown';
        undecided.push({ operator, key, values });
      }
    }
  }
  return { result, undecided };
}
