/** Paths: to tier zero from any node, or between two chosen nodes; every hop explained. */

import type { Hop, PathsResult } from '../api/types';
import type { App } from '../app';
import { clear, fmtValue, h, listNav } from '../ui/dom';
import { suggestBox } from '../ui/suggest';
import { formatGrantedBy } from './details';

/** `policy #statement action; ...` for tables and CSV. */
export function grantedByText(g: unknown): string {
  let v = g;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return v as string;
    }
  }
  if (v === undefined || v === null) return '';
  return (Array.isArray(v) ? v : [v])
    .map((x) => {
      if (!x || typeof x !== 'object') return fmtValue(x);
      const o = x as Record<string, unknown>;
      return [
        fmtValue(o.policy ?? o.assignment ?? o.role ?? ''),
        o.statement !== undefined ? `#${fmtValue(o.statement)}` : '',
        fmtValue(o.action ?? ''),
      ]
        .filter(Boolean)
        .join(' ');
    })
    .join('; ');
}

export async function pathsToTierZero(app: App, from: string): Promise<void> {
  app.go('paths', { from, t0: '1' });
}

function hopRows(app: App, r: PathsResult, pathIndex: number | null): Record<string, unknown>[] {
  const paths = pathIndex === null ? r.paths : [r.paths[pathIndex]!];
  return paths.flatMap((p, pi) =>
    p.hops.map((hop: Hop, i) => ({
      path: (pathIndex ?? pi) + 1,
      hop: i + 1,
      from: app.nodeLabel(hop.from),
      type: hop.type,
      to: app.nodeLabel(hop.to),
      technique: hop.technique ?? '',
      reason: hop.reason,
      grantedBy: grantedByText(hop.grantedBy),
      conditional: hop.conditional ? 'yes' : '',
    })),
  );
}

function hopList(app: App, hops: Hop[]): HTMLElement {
  return h(
    'ol',
    { class: 'hops', 'data-testid': 'hops' },
    hops.map((hop) =>
      h(
        'li',
        { class: hop.conditional ? 'conditional' : '' },
        h(
          'div',
          {},
          h('strong', {}, app.nodeLabel(hop.from)),
          ' → ',
          h('span', { class: `edge-type cat-${app.styles.category(hop.type)}` }, hop.type),
          ' → ',
          h('strong', {}, app.nodeLabel(hop.to)),
        ),
        hop.technique
          ? h('div', {}, 'technique ', h('code', { 'data-testid': 'hop-technique' }, hop.technique))
          : null,
        h('div', { class: 'reason' }, hop.reason),
        hop.conditional
          ? h('div', { class: 'warn' }, 'Conditional: holds only if the condition is met')
          : null,
        formatGrantedBy(hop.grantedBy),
      ),
    ),
  );
}

export async function pathsPanel(app: App, params: URLSearchParams): Promise<void> {
  const fromBox = suggestBox(app.api, { placeholder: 'From node…', testid: 'path-from', onPick: () => {} });
  const toBox = suggestBox(app.api, {
    placeholder: 'To node…',
    testid: 'path-to',
    onPick: () => (t0.checked = false),
  });
  const t0 = h('input', {
    type: 'checkbox',
    'data-testid': 'path-t0',
    checked: params.get('t0') === '1' || !params.get('to'),
  });
  const hops = h('input', { type: 'number', min: '1', max: '12', value: params.get('hops') ?? '8' });
  const sets = Object.keys(app.schema.edgeSets ?? {}).filter(
    (s) => s.endsWith('TRAVERSABLE') || s === 'ESCALATION',
  );
  const setSel = h(
    'select',
    {},
    (sets.length ? sets : ['TRAVERSABLE']).map((s) =>
      h('option', { value: s, selected: s === (params.get('set') ?? 'TRAVERSABLE') }, s),
    ),
  );
  const results = h('div', { class: 'path-results', 'data-testid': 'path-results' });
  const fill = async (box: ReturnType<typeof suggestBox>, id: string | null) => {
    if (!id) return;
    try {
      const d = await app.api.node(id);
      box.set(d.node);
    } catch {
      box.input.value = id;
    }
  };
  const run = async () => {
    const from = fromBox.value?.id ?? (fromBox.input.value.trim() || null);
    const to = t0.checked ? null : (toBox.value?.id ?? (toBox.input.value.trim() || null));
    if (!from) {
      clear(results, h('p', { class: 'error' }, 'Choose a start node.'));
      return;
    }
    if (!t0.checked && !to) {
      clear(results, h('p', { class: 'error' }, 'Choose an end node or tick "to tier zero".'));
      return;
    }
    app.setUrl('paths', {
      from,
      to: to ?? undefined,
      t0: t0.checked ? '1' : undefined,
      hops: hops.value,
      set: setSel.value,
    });
    clear(results, h('p', { class: 'muted' }, 'Searching…'));
    try {
      const r = await app.api.paths({
        from,
        to: to ?? undefined,
        toTierZero: t0.checked || undefined,
        maxHops: Number(hops.value) || 8,
        edgeSet: setSel.value,
      });
      showPaths(app, r, results);
    } catch (e) {
      clear(results, h('p', { class: 'error' }, (e as Error).message));
    }
  };
  clear(
    app.side,
    h('h2', {}, 'Paths'),
    h(
      'form',
      {
        class: 'stack',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void run();
        },
      },
      h('label', {}, 'From', fromBox.el),
      h('label', { class: 'check' }, t0, ' to tier zero'),
      h('label', {}, 'To', toBox.el),
      h('label', {}, 'Max hops ', hops),
      h('label', {}, 'Edge set ', setSel),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'path-run' }, 'Find paths'),
    ),
    results,
  );
  await Promise.all([fill(fromBox, params.get('from')), fill(toBox, params.get('to'))]);
  if (params.get('from') && (params.get('t0') === '1' || params.get('to'))) await run();
}

export function showPaths(app: App, r: PathsResult, results: HTMLElement): void {
  if (!r.paths.length) {
    clear(
      results,
      h('p', { class: 'muted', 'data-testid': 'no-paths' }, `No path found (${Math.round(r.ms)} ms).`),
    );
    app.hideBottom();
    return;
  }
  void app.renderGraph(r.elements, 'path').then(() => app.canvas.highlightPath(r.paths[0]!.nodes));
  const detail = h('div', {});
  const select = (i: number) => {
    app.canvas.highlightPath(r.paths[i]!.nodes);
    list.querySelectorAll('li').forEach((li, j) => {
      li.classList.toggle('active', j === i);
    });
    clear(detail, h('h3', {}, `Path ${i + 1}: ${r.paths[i]!.length} hops`), hopList(app, r.paths[i]!.hops));
    app.showTable(
      'path-hops',
      ['path', 'hop', 'from', 'type', 'to', 'technique', 'reason', 'grantedBy', 'conditional'],
      hopRows(app, r, i),
      { caption: `Hops of path ${i + 1}` },
    );
  };
  const list = h(
    'ul',
    { class: 'nav-list', 'data-testid': 'path-list' },
    r.paths.map((p, i) =>
      h(
        'li',
        { tabindex: '0', 'data-nav': '', onclick: () => select(i) },
        h('strong', {}, `${p.length} hop${p.length === 1 ? '' : 's'}: `),
        p.nodes.map((n) => app.nodeLabel(n)).join(' → '),
      ),
    ),
  );
  listNav(list);
  clear(
    results,
    h('p', { class: 'muted' }, `${r.paths.length} path(s) in ${Math.round(r.ms)} ms`),
    list,
    detail,
  );
  select(0);
}
