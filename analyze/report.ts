/**
 * Finding reports: JSON, CSV, a terminal table, SARIF 2.1.0 (code-scanning tools, CI) and
 * Markdown (scan reports, tickets). Pure functions over findings.
 */
import type { ReportingDescriptor, Log as SarifLog, Result as SarifResult } from 'sarif';
import { table } from '../cli/ui.js';
import type { SavedQuery } from '../cypher/registry.js';
import type { Finding } from './findings.js';
import type { ScanDiff } from './index.js';

export const REPORT_FORMATS = ['json', 'table', 'csv', 'sarif', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const TOOL_VERSION = '0.1.0';
const INFO_URI = 'https://github.com/permgraph/permgraph';

const CSV_COLUMNS = [
  'severity',
  'status',
  'queryId',
  'title',
  'provider',
  'account',
  'subjectId',
  'subjectName',
  'targetId',
  'firstSeen',
  'lastSeen',
  'fingerprint',
] as const;

/** RFC 4180 field; formula-leading cells are prefixed so spreadsheets do not evaluate them. */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function findingsCsv(items: Finding[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const f of items)
    lines.push(CSV_COLUMNS.map((c) => csvField((f as unknown as Record<string, unknown>)[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function findingsTable(items: Finding[]): string {
  return table(
    items.map((f) => ({
      severity: f.severity,
      status: f.status,
      query: f.queryId,
      subject: f.subjectName,
      target: f.targetId ?? '',
      account: f.account ?? '',
      fingerprint: f.fingerprint.slice(0, 12),
    })),
  );
}

const LEVEL: Record<string, SarifResult.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
const SECURITY_SEVERITY: Record<string, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function message(f: Finding): string {
  const target = f.targetId ? ` -> ${f.targetId}` : '';
  const path = f.path && f.path.length > 1 ? ` Path: ${f.path.join(' -> ')}.` : '';
  return `${f.title}: ${f.subjectName} (${f.subjectId})${target}.${path}`;
}

/** SARIF 2.1.0 log: one rule per saved query, one result per finding (logical locations). */
export function findingsSarif(items: Finding[], queries: SavedQuery[] = []): SarifLog {
  const ruleIds = [...new Set(items.map((f) => f.queryId))].sort();
  const byId = new Map(queries.map((q) => [q.id, q]));
  const rules: ReportingDescriptor[] = ruleIds.map((id) => {
    const q = byId.get(id);
    const f = items.find((x) => x.queryId === id)!;
    const sev = q?.severity ?? f.severity;
    const rule: ReportingDescriptor = {
      id,
      name: id
        .split('-')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(''),
      shortDescription: { text: q?.title ?? f.title },
      fullDescription: { text: q?.description ?? f.title },
      defaultConfiguration: { level: LEVEL[sev] ?? 'warning' },
      properties: {
        category: q?.category ?? f.category ?? 'analysis',
        'security-severity': SECURITY_SEVERITY[sev] ?? '5.0',
        tags: ['security', 'iam', ...(q?.providers ?? [])],
      },
    };
    if (q?.references[0]) rule.helpUri = q.references[0];
    return rule;
  });
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results: SarifResult[] = items.map((f) => ({
    ruleId: f.queryId,
    ruleIndex: index.get(f.queryId)!,
    level: LEVEL[f.severity] ?? 'warning',
    message: { text: message(f) },
    partialFingerprints: { 'permgraph/v1': f.fingerprint },
    locations: [
      {
        logicalLocations: [
          {
            fullyQualifiedName: f.subjectId,
            name: f.subjectName,
            kind: 'resource',
          },
        ],
      },
    ],
    ...(f.status === 'resolved'
      ? { baselineState: 'absent' as const }
      : f.status === 'new'
        ? { baselineState: 'new' as const }
        : { baselineState: 'unchanged' as const }),
    properties: {
      severity: f.severity,
      status: f.status,
      provider: f.provider,
      ...(f.account ? { account: f.account } : {}),
      ...(f.targetId ? { targetId: f.targetId } : {}),
      ...(f.path ? { path: f.path } : {}),
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
    },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'permgraph', version: TOOL_VERSION, informationUri: INFO_URI, rules } },
        results,
      },
    ],
  };
}

const mdCell = (v: unknown): string =>
  String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');

function mdTable(items: Finding[]): string {
  if (items.length === 0) return '_None._\n';
  const lines = [
    '| Severity | Query | Subject | Target | Account | Fingerprint |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of items) {
    lines.push(
      `| ${mdCell(f.severity)} | ${mdCell(f.queryId)} | ${mdCell(f.subjectName)} | ${mdCell(f.targetId ?? '')} | ${mdCell(f.account ?? '')} | \`${f.fingerprint.slice(0, 12)}\` |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function findingsMarkdown(items: Finding[], title = 'permgraph findings'): string {
  const counts = countBySeverity(items);
  return `# ${title}\n\n${items.length} findings: ${Object.entries(counts)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ')}.\n\n${mdTable(items)}`;
}

export function countBySeverity(items: Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of ['critical', 'high', 'medium', 'low', 'info']) {
    const n = items.filter((f) => f.severity === s).length;
    if (n > 0) out[s] = n;
  }
  return out;
}

/** Markdown report of one scan: counts, new findings (with paths), resolved findings. */
export function scanMarkdown(diff: ScanDiff, extra: { total: number; ms?: number }): string {
  const paths = diff.newFindings
    .filter((f) => f.path && f.path.length > 1)
    .map(
      (f) =>
        `- **${mdCell(f.subjectName)}** -> ${mdCell(f.targetId ?? '')}: ${f.path!.map(mdCell).join(' → ')}`,
    )
    .join('\n');
  return [
    `# permgraph scan ${diff.to}`,
    '',
    `Compared with ${diff.from || 'nothing (first scan)'}: **${diff.newFindings.length} new**, ${diff.resolvedFindings.length} resolved, ${diff.unchanged} unchanged (${extra.total} open in total).`,
    '',
    '## New findings',
    '',
    mdTable(diff.newFindings),
    ...(paths ? ['## New attack paths', '', paths, ''] : []),
    '## Resolved findings',
    '',
    mdTable(diff.resolvedFindings),
  ].join('\n');
}

/** The JSON body of a scan result (also what the webhook receives). */
export function scanJson(diff: ScanDiff, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scan: diff.to,
    previousScan: diff.from || null,
    ...extra,
    counts: {
      new: diff.newFindings.length,
      resolved: diff.resolvedFindings.length,
      unchanged: diff.unchanged,
      newHighRisk: diff.newHighRisk,
      newPaths: diff.newPaths,
    },
    new: diff.newFindings,
    resolved: diff.resolvedFindings,
  };
}
