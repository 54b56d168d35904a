/** Result tables with CSV/JSON export. Cells that hold a graph node open it in the explorer. */
import { download, fmtValue, h } from './dom';

export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const esc = (v: unknown) => {
    const s = fmtValue(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns.map(esc).join(','), ...rows.map((r) => columns.map((c) => esc(r[c])).join(','))].join('\n');
}

export function exportButtons(
  name: string,
  get: () => { columns: string[]; rows: Record<string, unknown>[] },
) {
  return h(
    'span',
    { class: 'export' },
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'export-csv',
        onclick: () => {
          const { columns, rows } = get();
          download(`${name}.csv`, new Blob([toCsv(columns, rows)], { type: 'text/csv' }));
        },
      },
      'CSV',
    ),
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'export-json',
        onclick: () => {
          const { rows } = get();
          download(`${name}.json`, new Blob([JSON.stringify(rows, null, 2)], { type: 'application/json' }));
        },
      },
      'JSON',
    ),
  );
}

const MAX_ROWS = 1000;

export function renderTable(
  columns: string[],
  rows: Record<string, unknown>[],
  opts: { onNode?: (id: string) => void; caption?: string } = {},
): HTMLElement {
  const nodeId = (v: unknown): string | null =>
    v && typeof v === 'object' && 'id' in v && typeof (v as { id: unknown }).id === 'string'
      ? (v as { id: string }).id
      : null;
  const cell = (v: unknown) => {
    const id = nodeId(v);
    if (id && opts.onNode) {
      const label = String((v as { name?: unknown }).name ?? (v as { label?: unknown }).label ?? id);
      return h(
        'td',
        {},
        h('button', { type: 'button', class: 'link', onclick: () => opts.onNode!(id) }, label),
      );
    }
    const s = fmtValue(v);
    return h('td', { title: s.length > 80 ? s : undefined }, s.length > 200 ? `${s.slice(0, 200)}…` : s);
  };
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'results', 'data-testid': 'results-table' },
      opts.caption ? h('caption', {}, opts.caption) : null,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.slice(0, MAX_ROWS).map((r) =>
          h(
            'tr',
            {},
            columns.map((c) => cell(r[c])),
          ),
        ),
      ),
    ),
    rows.length > MAX_ROWS
      ? h('p', { class: 'muted' }, `First ${MAX_ROWS} of ${rows.length} rows shown; export has all.`)
      : null,
  );
}
