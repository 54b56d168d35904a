/** Saved queries by category and severity, run with a form built from their params; own Cypher. */

import type { QueryResult, SavedQuery } from '../api/types';
import { SEVERITIES } from '../api/types';
import type { App } from '../app';
import { clear, errorText, h, listNav, severityBadge } from '../ui/dom';

function coerce(type: string, raw: string | boolean): unknown {
  if (type === 'bool') return raw === true || raw === 'true';
  const s = String(raw).trim();
  if (s === '') return undefined;
  if (type === 'int') return Number.parseInt(s, 10);
  if (type === 'float') return Number.parseFloat(s);
  if (type === 'string[]')
    return s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  return s;
}

export async function showResult(app: App, name: string, r: QueryResult): Promise<void> {
  const hasGraph = !!r.graph && r.graph.nodes.length > 0;
  if (hasGraph) await app.renderGraph(r.graph!, r.graph!.nodes.length < 60 ? 'path' : 'overview');
  if (r.rows.length && (!hasGraph || r.columns.length)) {
    app.showTable(name, r.columns, r.rows, {
      caption: `${name}: ${r.rows.length} rows in ${Math.round(r.ms)} ms${r.truncated ? ' (truncated at the row limit)' : ''}`,
      tall: !hasGraph,
    });
  } else if (!hasGraph) app.showTable(name, r.columns, [], { caption: `${name}: no rows` });
  else app.hideBottom();
}

export async function queriesPanel(app: App, params: URLSearchParams): Promise<void> {
  const { items } = await app.api.queries();
  const filter = h('input', {
    type: 'search',
    placeholder: 'Filter queries…',
    'data-testid': 'query-filter',
  });
  const list = h('div', { class: 'query-list', 'data-testid': 'query-list' });
  const paint = () => {
    const q = filter.value.toLowerCase();
    const shown = items.filter(
      (x) => !q || `${x.title} ${x.id} ${x.category} ${x.description}`.toLowerCase().includes(q),
    );
    const cats = [...new Set(shown.map((x) => x.category))].sort();
    clear(
      list,
      cats.map((c) =>
        h(
          'section',
          {},
          h('h3', {}, c),
          h(
            'ul',
            { class: 'nav-list' },
            shown
              .filter((x) => x.category === c)
              .sort(
                (a, b) =>
                  SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
                  a.title.localeCompare(b.title),
              )
              .map((x) =>
                h(
                  'li',
                  {
                    tabindex: '0',
                    'data-nav': '',
                    'data-query': x.id,
                    onclick: () => void openQuery(app, x, {}),
                  },
                  severityBadge(x.severity),
                  ' ',
                  x.title,
                  h('span', { class: 'muted' }, ` ${x.result}`),
                ),
              ),
          ),
        ),
      ),
      shown.length ? null : h('p', { class: 'muted' }, 'No saved query matches.'),
    );
  };
  filter.addEventListener('input', paint);
  listNav(list);
  clear(app.side, h('h2', {}, 'Saved queries'), filter, list);
  paint();
  const id = params.get('id');
  if (id) {
    const q = items.find((x) => x.id === id);
    if (q) {
      let p: Record<string, unknown> = {};
      try {
        p = JSON.parse(params.get('p') ?? '{}');
      } catch {}
      await openQuery(app, q, p, params.get('run') === '1');
    } else app.setStatus(`Saved query ${id} does not exist`, true);
  }
}

async function openQuery(
  app: App,
  q: SavedQuery,
  values: Record<string, unknown>,
  autorun = false,
): Promise<void> {
  app.setUrl('queries', { id: q.id, p: Object.keys(values).length ? JSON.stringify(values) : undefined });
  const inputs = new Map<string, HTMLInputElement>();
  const out = h('div', { 'data-testid': 'query-status' });
  const fields = q.params.map((p) => {
    const v = values[p.name] ?? p.default;
    const input =
      p.type === 'bool'
        ? h('input', { type: 'checkbox', checked: v === true, name: p.name })
        : h('input', {
            type: p.type === 'int' || p.type === 'float' ? 'number' : 'text',
            step: p.type === 'float' ? 'any' : undefined,
            name: p.name,
            required: p.required,
            placeholder: p.type === 'string[]' ? 'comma, separated' : p.type,
            value: v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v),
          });
    inputs.set(p.name, input);
    return h(
      'label',
      { title: p.description },
      `${p.name}${p.required ? ' *' : ''} `,
      input,
      h('small', { class: 'muted' }, p.description),
    );
  });
  const run = async () => {
    const params: Record<string, unknown> = {};
    for (const p of q.params) {
      const input = inputs.get(p.name)!;
      const v = coerce(p.type, p.type === 'bool' ? input.checked : input.value);
      if (v !== undefined) params[p.name] = v;
    }
    app.setUrl('queries', {
      id: q.id,
      p: Object.keys(params).length ? JSON.stringify(params) : undefined,
      run: '1',
    });
    clear(out, h('p', { class: 'muted' }, 'Running…'));
    try {
      const r = await app.api.runQuery(q.id, params);
      clear(
        out,
        h(
          'p',
          { class: 'ok' },
          `${r.rows.length} rows${r.graph ? `, ${r.graph.nodes.length} nodes` : ''} in ${Math.round(r.ms)} ms`,
        ),
      );
      await showResult(app, q.id, r);
    } catch (e) {
      clear(out, h('p', { class: 'error' }, errorText(e)));
    }
  };
  app.showDetails(
    h('h2', {}, q.title),
    h(
      'div',
      { class: 'badges' },
      severityBadge(q.severity),
      h('span', { class: 'badge' }, q.category),
      h('span', { class: 'badge' }, q.result),
      ...q.providers.map((p) => h('span', { class: `badge p-${p}` }, p)),
    ),
    h('p', {}, q.description),
    h(
      'form',
      {
        class: 'stack',
        'data-testid': 'query-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void run();
        },
      },
      fields,
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'query-run' }, 'Run'),
    ),
    out,
    q.references.length ? h('h3', {}, 'References') : null,
    h(
      'ul',
      { class: 'plain' },
      q.references.map((r) =>
        h(
          'li',
          {},
          /^https?:/.test(r) ? h('a', { href: r, target: '_blank', rel: 'noopener noreferrer' }, r) : r,
        ),
      ),
    ),
  );
  if (autorun) await run();
}

export async function cypherPanel(app: App, params: URLSearchParams): Promise<void> {
  const text = h('textarea', {
    rows: 10,
    spellcheck: 'false',
    'data-testid': 'cypher-text',
    placeholder: 'MATCH p=(a:AWSUser)-[:AWS_MEMBER_OF]->(g) RETURN p LIMIT 25',
  });
  text.value = params.get('q') ?? '';
  const ps = h('textarea', { rows: 3, spellcheck: 'false', placeholder: '{"name": "alice"}' });
  ps.value = params.get('p') ?? '';
  const out = h('div', { 'data-testid': 'cypher-status' });
  const run = async () => {
    let p: Record<string, unknown> = {};
    if (ps.value.trim()) {
      try {
        p = JSON.parse(ps.value);
      } catch (e) {
        clear(out, h('p', { class: 'error' }, `Parameters are not JSON: ${(e as Error).message}`));
        return;
      }
    }
    app.setUrl('cypher', { q: text.value, p: ps.value.trim() || undefined });
    clear(out, h('p', { class: 'muted' }, 'Running…'));
    try {
      const r = await app.api.cypher(text.value, p);
      clear(
        out,
        h(
          'p',
          { class: 'ok' },
          `${r.rows.length} rows in ${Math.round(r.ms)} ms${r.truncated ? ' (truncated)' : ''}`,
        ),
      );
      await showResult(app, 'cypher', r);
    } catch (e) {
      clear(out, h('p', { class: 'error' }, errorText(e)));
    }
  };
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    }
  });
  clear(
    app.side,
    h('h2', {}, 'Cypher'),
    h(
      'p',
      { class: 'muted' },
      'Read-only: the server refuses writes and runs with a timeout and a row limit. Ctrl+Enter runs.',
    ),
    app.me.role === 'reader'
      ? h('p', { class: 'warn' }, 'Your token has the reader role; running Cypher needs analyst.')
      : null,
    h('label', {}, 'Query', text),
    h('label', {}, 'Parameters (JSON)', ps),
    h(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'cypher-run', onclick: () => void run() },
      'Run',
    ),
    out,
  );
  if (text.value && params.get('run') !== '0') await run();
}
