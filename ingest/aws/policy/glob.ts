/**
 * IAM wildcard matching: `*` (any run of characters) and `?` (one character). Actions match
 * case-insensitively; ARNs segment by segment (partition, service, region, account, resource),
 * where a wildcard never spans a `:` of the first five segments.
 */

const caches = { i: new Map<string, RegExp>(), s: new Map<string, RegExp>() };

function escapeRe(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Compiles an IAM wildcard pattern to an anchored regular expression (cached). */
export function globRegex(pattern: string, caseInsensitive: boolean): RegExp {
  const cache = caseInsensitive ? caches.i : caches.s;
  let re = cache.get(pattern);
  if (!re) {
    const body = escapeRe(pattern).replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
    if (cache.size > 50_000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

export function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) {
    if (pattern === value) return true;
    return (
      caseInsensitive && pattern.length === value.length && pattern.toLowerCase() === value.toLowerCase()
    );
  }
  return globRegex(pattern, caseInsensitive).test(value);
}

/**
 * Whether some string matches both patterns (both may hold `*` and `?`). Used when the
 * attacker picks the resource name (a new function, stack...): the request is a pattern.
 */
export function globIntersects(a: string, b: string): boolean {
  if (a === '*' || b === '*') return true;
  const memo = new Map<number, boolean>();
  const w = b.length + 1;
  const go = (i: number, j: number): boolean => {
    const key = i * w + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === '*') r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === '*') r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) r = false;
    else r = (a[i] === '?' || b[j] === '?' || a[i] === b[j]) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** Splits an ARN into its six segments; the sixth keeps its colons. */
export function arnSegments(arn: string): string[] | null {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return null;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function padPattern(pattern: string): string[] | null {
  const parts = pattern.split(':');
  if (parts[0] !== 'arn' && parts[0] !== '*') return null;
  if (parts.length >= 6) return [...parts.slice(0, 5), parts.slice(5).join(':')];
  // A short ARN with a wildcard is read as if missing trailing segments were `*`.
  if (!pattern.includes('*') && !pattern.includes('?')) return null;
  while (parts.length < 6) parts.push('*');
  return parts;
}

/**
 * Resource match. `mode: 'literal'` treats the request as one concrete ARN (wildcards in it
 * are ordinary characters, so a policy pattern covers a request pattern only when it matches
 * it as text); `mode: 'exists'` asks whether some ARN matches both.
 */
export function resourceMatch(
  pattern: string,
  resource: string,
  mode: 'literal' | 'exists' = 'literal',
): boolean {
  if (pattern === '*') return true;
  if (resource === '*') return mode === 'exists';
  const rs = arnSegments(resource);
  const ps = padPattern(pattern);
  if (!rs || !ps) {
    return mode === 'exists' ? globIntersects(pattern, resource) : globMatch(pattern, resource);
  }
  for (let i = 0; i < 6; i++) {
    const p = ps[i] as string;
    const r = rs[i] as string;
    const ok = mode === 'exists' ? globIntersects(p, r) : globMatch(p, r);
    if (!ok) return false;
  }
  return true;
}
