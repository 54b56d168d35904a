/** Findings by severity, new since the last scan highlighted, with "show path". */

import type { Finding } from '../api/types';
import { SEVERITIES } from '../api/types';
import type { App } from '../app';
import { clear, errorText, fmtValue, h, listNav, severityBadge } from '../ui/dom';
import { exploreNode } from './explore';

export async function findingsPanel(app: App, params: URLSearchParams): Promise<void> {
  const sev = new Set((params.get('sev') ?? '').split(',').filter(Boolean));
  const status = params.get('status') ?? '';
  const [list, scans] = await Promise.all([
    app.api.findings({ severity: sev.size ? [...sev] : undefined, status: status || undefined }),
    app.api.scans().catch(() => null),
  ]);
  const latest = scans?.items[0];
  const save = (f?: string) =>
    app.setUrl('findings', { sev: [...sev].join(','), status, f: f ?? params.get('f') ?? undefined });
  const counts = new Map<string, number>();
  for (const f of list.items) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const newCount = list.items.filter((f) => f.status === 'new').length;
  const chips = h(
    'div',
    { class: 'chips' },
    SEVERITIES.map((s) =>
      h(
        'button',
        {
          type: 'button',
          class: `chip sev-${s} ${sev.has(s) ? 'on' : ''}`,
          'aria-pressed': sev.has(s) ? 'true' : 'false',
          onclick: () => {
            if (sev.has(s)) sev.delete(s);
            else sev.add(s);
            app.setUrl('findings', { sev: [...sev].join(','), status });
            void findingsPanel(app, app.route.params);
          },
        },
        `${s}${counts.has(s) ? ` ${counts.get(s)}` : ''}`,
      ),
    ),
  );
  const statusSel = h(
    'select',
    {
      'data-testid': 'finding-status',
      onchange: (e: Event) => {
        app.setUrl('findings', { sev: [...sev].join(','), status: (e.target as HTMLSelectElement).value });
        void findingsPanel(app, app.route.params);
      },
    },
    ['', 'new', 'open', 'resolved'].map((s) =>
      h('option', { value: s, selected: s === status }, s || 'new + open + resolved'),
    ),
  );
  const ul = h(
    'ul',
    { class: 'nav-list findings', 'data-testid': 'finding-list' },
    [...list.items]
      .sort(
        (a, b) =>
          SEVERITIES.indexOf(a.severity as never) - SEVERITIES.indexOf(b.severity as never) ||
          Number(b.status === 'new') - Number(a.status === 'new'),
      )
      .map((f) =>
        h(
          'li',
          {
            tabindex: '0',
            'data-nav': '',
            'data-fp': f.fingerprint,
            class: f.status === 'new' ? 'is-new' : '',
            onclick: () => void openFinding(app, f.fingerprint, save),
          },
          severityBadge(f.severity),
          f.status === 'new'
            ? h('span', { class: 'new', title: 'New since the previous scan' }, 'NEW')
            : null,
          f.status === 'resolved' ? h('span', { class: 'badge' }, 'resolved') : null,
          ' ',
          f.title,
          h(
            'div',
            { class: 'muted' },
            `${f.subjectName} · ${f.provider}${f.account ? ` · ${f.account}` : ''}`,
          ),
        ),
      ),
  );
  listNav(ul);
  clear(
    app.side,
    h('h2', {}, 'Findings'),
    latest
      ? h(
          'p',
          { class: 'muted', 'data-testid': 'latest-scan' },
          `Latest scan ${latest.id}${latest.finishedAt ? ` (${String(latest.finishedAt).slice(0, 16).replace('T', ' ')})` : ''}: `,
          h('strong', { class: newCount ? 'new-count' : '' }, `${newCount} new`),
          ' since the previous scan',
        )
      : null,
    chips,
    h('label', {}, 'Status ', statusSel),
    h(
      'p',
      { class: 'muted' },
      `${list.total} finding(s)${list.total > list.items.length ? `, first ${list.items.length} shown` : ''}`,
    ),
    ul,
  );
  const fp = params.get('f');
  if (fp) await openFinding(app, fp, save);
}

async function openFinding(app: App, fp: string, save: (f?: string) => void): Promise<void> {
  save(fp);
  app.side.querySelectorAll('[data-fp]').forEach((li) => {
    li.classList.toggle('active', (li as HTMLElement).dataset.fp === fp);
  });
  let f: Finding;
  try {
    f = await app.api.finding(fp);
  } catch (e) {
    app.showDetails(h('p', { class: 'error' }, errorText(e)));
    return;
  }
  const showPath = async () => {
    try {
      if (f.elements?.nodes.length) {
        await app.renderGraph(f.elements, 'path');
        if (f.path?.length) app.canvas.highlightPath(f.path);
      } else {
        // The finding's own target when it names one (evidence of one-hop findings), else tier zero.
        const target = (f as unknown as { targetId?: unknown }).targetId;
        let r = await app.api.paths(
          typeof target === 'string' && target !== f.subjectId
            ? { from: f.subjectId, to: target, limit: 5 }
            : { from: f.subjectId, toTierZero: true, limit: 5 },
        );
        if (!r.paths.length && typeof target === 'string')
          r = await app.api.paths({ from: f.subjectId, toTierZero: true, limit: 5 });
        if (!r.paths.length) {
          app.setStatus('No path found from the subject of this finding.');
          return;
        }
        await app.renderGraph(r.elements, 'path');
        if (r.paths[0]) app.canvas.highlightPath(r.paths[0].nodes);
      }
    } catch (e) {
      app.error(e);
    }
  };
  app.showDetails(
    h('h2', { 'data-testid': 'finding-title' }, f.title),
    h(
      'div',
      { class: 'badges' },
      severityBadge(f.severity),
      f.status === 'new'
        ? h('span', { class: 'new' }, 'NEW since last scan')
        : h('span', { class: 'badge' }, f.status),
      h('span', { class: `badge p-${f.provider}` }, f.provider),
    ),
    h(
      'dl',
      { class: 'kv' },
      [
        ['subject', f.subjectName],
        ['subject id', f.subjectId],
        ['account', f.account ?? ''],
        ['query', f.queryId],
        ['first seen', f.firstSeen],
        ['last seen', f.lastSeen],
        ['fingerprint', f.fingerprint],
      ].flatMap(([k, v]) => [h('dt', {}, k!), h('dd', {}, v!)]),
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'data-testid': 'finding-show-path',
          onclick: () => void showPath(),
        },
        'Show path',
      ),
      h(
        'button',
        { type: 'button', onclick: () => void exploreNode(app, f.subjectId, { replace: true }) },
        'Explore subject',
      ),
      h('button', { type: 'button', onclick: () => app.go('queries', { id: f.queryId }) }, 'Open query'),
    ),
    h('h3', {}, 'Evidence'),
    h('pre', { class: 'evidence' }, JSON.stringify(f.evidence, null, 2)),
    f.path?.length ? h('p', { class: 'muted' }, `Path: ${f.path.map((x) => fmtValue(x)).join(' → ')}`) : null,
  );
  if (f.elements?.nodes.length || f.path?.length) await showPath();
}
