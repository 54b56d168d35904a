/**
 * Policy documents as IAM returns them: JSON objects (CLI output) or URL-encoded JSON strings
 * (the raw API). A document is accepted when it parses and has the policy grammar's outline;
 * otherwise the caller quarantines it with the JSON path of the defect.
 */

export type PolicyDocument = Record<string, unknown> & { Statement?: unknown };

export type DocResult = { ok: true; doc: PolicyDocument } | { ok: false; path: string; message: string };

const pathKey = (k: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

function decode(raw: string): string {
  const t = raw.trim();
  if (t.startsWith('{')) return t;
  try {
    return decodeURIComponent(t.replace(/\+/g, '%20'));
  } catch {
    return t;
  }
}

/** Parses and checks one document; `path` is the JSON path of the document in its file. */
export function readPolicyDocument(raw: unknown, path: string): DocResult {
  let doc: unknown = raw;
  if (typeof raw === 'string') {
    try {
      doc = JSON.parse(decode(raw));
    } catch (err) {
      return { ok: false, path, message: `not valid JSON (${(err as Error).message})` };
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, path, message: 'a policy document must be a JSON object' };
  }
  const d = doc as PolicyDocument;
  if (!('Statement' in d)) return { ok: false, path: `${path}.Statement`, message: 'Statement is missing' };
  const statements = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
  for (const [i, s] of statements.entries()) {
    const sp = Array.isArray(d.Statement) ? `${path}.Statement[${i}]` : `${path}.Statement`;
    if (typeof s !== 'object' || s === null || Array.isArray(s))
      return { ok: false, path: sp, message: 'a statement must be an object' };
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      return { ok: false, path: `${sp}.Effect`, message: 'Effect must be "Allow" or "Deny"' };
    if (!('Action' in st) && !('NotAction' in st))
      return { ok: false, path: `${sp}.Action`, message: 'Action or NotAction is required' };
    for (const f of ['Action', 'NotAction', 'Resource', 'NotResource']) {
      const v = st[f];
      if (v === undefined) continue;
      if (typeof v === 'string') continue;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) continue;
      return { ok: false, path: `${sp}${pathKey(f)}`, message: `${f} must be a string or a list of strings` };
    }
    if (st.Condition !== undefined && (typeof st.Condition !== 'object' || st.Condition === null))
      return { ok: false, path: `${sp}.Condition`, message: 'Condition must be an object' };
  }
  return { ok: true, doc: d };
}

export function statementsOf(doc: PolicyDocument): Record<string, unknown>[] {
  const s = doc.Statement;
  return (Array.isArray(s) ? s : [s]) as Record<string, unknown>[];
}

export const asList = (v: unknown): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
