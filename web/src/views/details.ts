/** Details panel: a node (granted vs used, PCI, findings, properties) or an edge (technique, grants). */

import type { ElementEdgeData, NodeDetail } from '../api/types';
import type { App } from '../app';
import { fmtValue, h, severityBadge } from '../ui/dom';
import { pathsToTierZero } from './paths';

function kv(rows: Array<[string, unknown]>): HTMLElement {
  return h(
    'dl',
    { class: 'kv' },
    rows
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, fmtValue(v))]),
  );
}

function pciGauge(pci: number | undefined, level: string | undefined): HTMLElement | null {
  if (pci === undefined || pci === null) return null;
  const lvl = level ?? (pci >= 67 ? 'high' : pci >= 34 ? 'medium' : 'low');
  return h(
    'div',
    {
      class: 'pci',
      'data-testid': 'pci',
      title: 'Permission Creep Index: unused high-risk permissions weighted by reach',
    },
    h('span', {}, 'PCI '),
    h('strong', { class: `pci-${lvl}` }, String(pci)),
    h(
      'span',
      { class: 'bar' },
      h('i', { class: `pci-${lvl}`, style: `width:${Math.max(0, Math.min(100, pci))}%` }),
    ),
    h('span', { class: 'muted' }, ` ${lvl}`),
  );
}

function accessBlock(a: NodeDetail['access']): HTMLElement {
  if (!a || a.granted === 0) return h('p', { class: 'muted' }, 'No effective access computed for this node.');
  const usedPct = a.granted ? Math.round((100 * a.used) / a.granted) : 0;
  return h(
    'div',
    { class: 'access', 'data-testid': 'access' },
    h(
      'div',
      { class: 'granted-used' },
      h('span', {}, `Granted ${a.granted}`),
      h('span', {}, ` · used ${a.usageKnown ? a.used : 'unknown'}`),
      h('span', {}, ` · unused ${a.usageKnown ? a.unused : 'unknown'}`),
    ),
    a.usageKnown
      ? h('div', { class: 'bar used', title: `${usedPct}% used` }, h('i', { style: `width:${usedPct}%` }))
      : h(
          'p',
          { class: 'muted' },
          'The cloud reported no usage data for this identity: unused is unknown, not zero.',
        ),
    h(
      'div',
      {},
      `High-risk granted ${a.highRiskGranted}, unused ${a.usageKnown ? a.highRiskUnused : 'unknown'}`,
    ),
    a.services?.length
      ? h(
          'table',
          { class: 'mini' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Service', 'Actions', 'High-risk', 'Used', 'Last used'].map((c) => h('th', {}, c)),
            ),
          ),
          h(
            'tbody',
            {},
            a.services
              .slice(0, 40)
              .map((s) =>
                h(
                  'tr',
                  { class: s.usedCount === 0 && a.usageKnown ? 'unused' : '' },
                  h('td', {}, s.service),
                  h('td', {}, String(s.actionCount)),
                  h('td', {}, String(s.highRiskCount)),
                  h('td', {}, String(s.usedCount)),
                  h('td', {}, s.lastUsed ? s.lastUsed.slice(0, 10) : a.usageKnown ? 'never' : '?'),
                ),
              ),
          ),
        )
      : null,
  );
}

export async function showNodeDetails(app: App, id: string): Promise<void> {
  app.showDetails(h('p', { class: 'muted' }, 'Loading…'));
  let d: NodeDetail;
  try {
    d = await app.api.node(id);
  } catch (e) {
    app.showDetails(h('p', { class: 'error' }, String((e as Error).message)));
    return;
  }
  const n = d.node;
  const types = h(
    'div',
    { class: 'expand-types', 'data-testid': 'expand-types' },
    h('span', { class: 'muted' }, 'Loading relationships…'),
  );
  app.showDetails(
    h('h2', { 'data-testid': 'details-title' }, `${n.tierZero ? '★ ' : ''}${n.name}`),
    h(
      'div',
      { class: 'badges' },
      h('span', { class: `badge p-${n.provider}` }, n.provider),
      h('span', { class: 'badge' }, n.kind),
      n.tierZero ? h('span', { class: 'badge t0', title: n.tierZeroReason ?? '' }, 'tier zero') : null,
    ),
    kv([
      ['id', n.id],
      ['account', n.account],
      ['tier zero', n.tierZero ? (n.tierZeroReason ?? 'yes') : undefined],
      ['degree', `${d.degree.in} in · ${d.degree.out} out`],
    ]),
    pciGauge(n.pci, n.pciLevel),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'data-testid': 'paths-to-t0',
          onclick: () => void pathsToTierZero(app, id),
        },
        'Paths to tier zero',
      ),
      h('button', { type: 'button', onclick: () => app.go('paths', { from: id }) }, 'Path from here…'),
      h('button', { type: 'button', onclick: () => app.go('paths', { to: id }) }, 'Path to here…'),
      h(
        'button',
        { type: 'button', 'data-testid': 'expand-all', onclick: () => void app.expand(id, []) },
        'Expand all',
      ),
    ),
    h('h3', {}, 'Expand by relationship'),
    types,
    h('h3', {}, 'Granted vs used'),
    accessBlock(d.access),
    h('h3', {}, `Findings (${d.findings.length})`),
    d.findings.length
      ? h(
          'ul',
          { class: 'plain' },
          d.findings.map((f) =>
            h(
              'li',
              {},
              severityBadge(f.severity),
              ' ',
              h(
                'button',
                { type: 'button', class: 'link', onclick: () => app.go('findings', { f: f.fingerprint }) },
                f.title,
              ),
              f.status === 'new' ? h('span', { class: 'new' }, 'NEW') : null,
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'None.'),
    h('h3', {}, 'Properties'),
    kv(Object.entries(n.properties ?? {}).sort(([a], [b]) => a.localeCompare(b))),
  );
  try {
    const nb = await app.api.neighbours(id, { limit: 1 });
    const counts = Object.entries(nb.countsByType).sort((a, b) => b[1] - a[1]);
    types.replaceChildren(
      ...(counts.length
        ? counts.map(([t, c]) =>
            h(
              'button',
              {
                type: 'button',
                class: `chip cat-${app.styles.category(t)}`,
                'data-type': t,
                onclick: () => void app.expand(id, [t]),
              },
              `${t} (${c})`,
            ),
          )
        : [h('span', { class: 'muted' }, 'No relationships.')]),
    );
  } catch (e) {
    types.replaceChildren(h('span', { class: 'error' }, String((e as Error).message)));
  }
}

export function formatGrantedBy(g: unknown): HTMLElement | null {
  if (g === undefined || g === null || g === '') return null;
  let v = g;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return h('span', {}, v as string);
    }
  }
  const list = Array.isArray(v) ? v : [v];
  return h(
    'ul',
    { class: 'granted-by' },
    list.map((x) => {
      if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        return h(
          'li',
          {},
          h('code', {}, fmtValue(o.policy ?? o.assignment ?? o.role ?? '')),
          o.statement !== undefined ? ` · statement ${fmtValue(o.statement)}` : '',
          o.action ? ` · ${fmtValue(o.action)}` : '',
        );
      }
      return h('li', {}, fmtValue(x));
    }),
  );
}

export function showEdgeDetails(app: App, d: ElementEdgeData): void {
  const def = app.schema.edges.find((e) => e.type === d.type);
  app.showDetails(
    h('h2', {}, d.type),
    h(
      'div',
      { class: 'badges' },
      h('span', { class: `badge cat-${d.category}` }, d.category),
      d.conditional ? h('span', { class: 'badge' }, 'conditional') : null,
      d.unused ? h('span', { class: 'badge' }, 'unused') : null,
      d.derived ? h('span', { class: 'badge' }, 'derived') : null,
    ),
    def ? h('p', {}, def.description) : null,
    kv([
      ['from', app.nodeLabel(d.source)],
      ['to', app.nodeLabel(d.target)],
      ['technique', d.technique],
      ['reason', d.reason],
      ['conditions', d.conditions],
      ['count', d.count],
    ]),
    d.grantedBy ? h('h3', {}, 'Granted by') : null,
    formatGrantedBy(d.grantedBy),
  );
}
