/** PCI overview per account, subscription, project or identity. */

import type { PciLevel } from '../api/types';
import type { App } from '../app';
import { clear, fmtValue, h } from '../ui/dom';

const LEVELS: PciLevel[] = ['account', 'subscription', 'project', 'identity'];

export async function pciPanel(app: App, params: URLSearchParams): Promise<void> {
  const level = (
    LEVELS.includes(params.get('level') as PciLevel) ? params.get('level') : 'account'
  ) as PciLevel;
  const provider = params.get('provider') ?? '';
  const levelSel = h(
    'select',
    {
      'data-testid': 'pci-level',
      onchange: (e: Event) => app.go('pci', { level: (e.target as HTMLSelectElement).value, provider }),
    },
    LEVELS.map((l) => h('option', { value: l, selected: l === level }, l)),
  );
  const providers = [...new Set(app.schema.kinds.map((k) => k.provider))];
  const provSel = h(
    'select',
    { onchange: (e: Event) => app.go('pci', { level, provider: (e.target as HTMLSelectElement).value }) },
    ['', ...providers].map((p) => h('option', { value: p, selected: p === provider }, p || 'all providers')),
  );
  const list = h('ul', { class: 'pci-list', 'data-testid': 'pci-list' });
  clear(
    app.side,
    h('h2', {}, 'Permission Creep Index'),
    h(
      'p',
      { class: 'muted' },
      'PCI 0-100: high-risk permissions granted but unused, weighted by how many resources they reach. Low 0-33, medium 34-66, high 67-100.',
    ),
    h('label', {}, 'Level ', levelSel),
    h('label', {}, 'Provider ', provSel),
    list,
  );
  const r = await app.api.pci(level, provider || undefined);
  const rows = [...r.items].sort((a, b) => Number(b.pci ?? 0) - Number(a.pci ?? 0));
  list.replaceChildren(
    ...rows.slice(0, 100).map((row) => {
      const pci = Number(row.pci ?? 0);
      const lvl = String(row.pciLevel ?? (pci >= 67 ? 'high' : pci >= 34 ? 'medium' : 'low'));
      const name = fmtValue(row.name ?? row.account ?? row.id);
      return h(
        'li',
        {},
        h(
          'div',
          {},
          h('strong', {}, name),
          h('span', { class: 'muted' }, ` ${fmtValue(row.provider ?? '')}`),
        ),
        h(
          'span',
          { class: 'bar' },
          h('i', { class: `pci-${lvl}`, style: `width:${Math.max(0, Math.min(100, pci))}%` }),
        ),
        h('span', { class: `pci-${lvl}` }, ` ${pci}`),
      );
    }),
  );
  if (!rows.length)
    list.replaceChildren(
      h('li', { class: 'muted' }, 'No PCI computed yet: run a scan or `permgraph analyze`.'),
    );
  const columns = [...new Set(rows.flatMap((x) => Object.keys(x)))];
  app.showTable(`pci-${level}`, columns, rows, { caption: `PCI per ${level}`, tall: true });
}
