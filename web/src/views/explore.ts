/** Explore: put nodes on the canvas, expand neighbours, filter by provider / edge kind / usage. */
import type { App } from '../app';
import { clear, h } from '../ui/dom';
import { showNodeDetails } from './details';

/** Puts one node on the canvas (with its direct neighbours when the canvas is empty) and opens its details. */
export async function exploreNode(app: App, id: string, opts: { replace: boolean }): Promise<void> {
  if (app.route.view !== 'explore') {
    app.setUrl('explore', { node: id }, true);
    explorePanel(app);
  }
  try {
    if (opts.replace || !app.canvas.hasNode(id)) {
      const [detail, nb] = await Promise.all([app.api.node(id), app.api.neighbours(id, { limit: 200 })]);
      const els = nb.elements;
      if (!els.nodes.some((n) => n.data.id === id))
        els.nodes.push({ data: { ...detail.node, label: detail.node.name } });
      if (opts.replace || app.canvas.size.nodes === 0) {
        app.explore = { focus: id, expanded: [{ id, types: [] }] };
        await app.renderGraph(els, 'overview');
      } else {
        await app.canvas.merge(els, 'overview', id);
        app.explore.expanded.push({ id, types: [] });
      }
    }
    app.explore.focus = id;
    app.saveExploreUrl();
    app.canvas.select(id);
    await showNodeDetails(app, id);
  } catch (e) {
    app.error(e);
  }
}

/** Reopens an explore link: focus node plus the expansions listed in the URL. */
export async function restoreExplore(app: App, params: URLSearchParams): Promise<void> {
  const focus = params.get('node') ?? '';
  const prov = params.get('prov');
  const cat = params.get('cat');
  app.filters.providers = new Set(prov ? prov.split(',') : []);
  app.filters.categories = new Set(cat ? cat.split(',') : []);
  app.filters.hideUnused = params.get('unused') === '1';
  app.canvas.setFilters(app.filters);
  explorePanel(app);
  if (!focus || focus === app.explore.focus) return;
  const expanded = params.getAll('x').map((x) => {
    const i = x.indexOf('~');
    return { types: x.slice(0, i).split('.').filter(Boolean), id: x.slice(i + 1) };
  });
  app.canvas.clear();
  app.explore = { focus, expanded: [] };
  await exploreNode(app, focus, { replace: true });
  for (const x of expanded) if (x.id !== focus || x.types.length) await app.expand(x.id, x.types);
}

export function explorePanel(app: App): void {
  const f = app.filters;
  const providers = [...new Set(app.schema.kinds.map((k) => k.provider))];
  const check = (label: string, checked: boolean, onchange: (on: boolean) => void, testid?: string) =>
    h(
      'label',
      { class: 'check' },
      h('input', {
        type: 'checkbox',
        checked,
        'data-testid': testid,
        onchange: (e: Event) => onchange((e.target as HTMLInputElement).checked),
      }),
      ` ${label}`,
    );
  const apply = () => {
    app.canvas.setFilters(app.filters);
    app.saveExploreUrl();
  };
  const toggle = (set: Set<string>, all: string[], v: string, on: boolean) => {
    if (set.size === 0) for (const x of all) set.add(x);
    if (on) set.add(v);
    else set.delete(v);
    if (set.size === all.length) set.clear();
    apply();
  };
  const categories = ['escalation', 'effective', 'structural'];
  const typeList = h('div', { class: 'types' });
  const paintTypes = () => {
    const onCanvas = app.canvas.typesOnCanvas();
    clear(
      typeList,
      onCanvas.size ? null : h('p', { class: 'muted' }, 'Relationship types on the canvas appear here.'),
      [...onCanvas.entries()]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([t, n]) =>
          check(`${t} (${n})`, f.types === null || f.types.has(t), (on) => {
            if (f.types === null) f.types = new Set(onCanvas.keys());
            if (on) f.types.add(t);
            else f.types.delete(t);
            if (f.types.size === onCanvas.size) f.types = null;
            apply();
          }),
        ),
    );
  };
  const prevChange = app.canvas.onChange;
  app.canvas.onChange = () => {
    prevChange();
    if (app.route.view === 'explore') paintTypes();
  };
  paintTypes();
  clear(
    app.side,
    h('h2', {}, 'Explore'),
    h(
      'p',
      { class: 'muted' },
      'Search (/) puts a node on the canvas. Click a node for details, double-click to expand its neighbours.',
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Providers'),
      providers.map((p) =>
        check(
          p,
          f.providers.size === 0 || f.providers.has(p),
          (on) => toggle(f.providers, providers, p, on),
          `filter-provider-${p}`,
        ),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Edge kinds'),
      categories.map((c) =>
        check(
          c,
          f.categories.size === 0 || f.categories.has(c),
          (on) => toggle(f.categories, categories, c, on),
          `filter-cat-${c}`,
        ),
      ),
      check(
        'Hide unused grants',
        f.hideUnused,
        (on) => {
          f.hideUnused = on;
          apply();
        },
        'filter-hide-unused',
      ),
    ),
    h('fieldset', {}, h('legend', {}, 'Relationship types'), typeList),
  );
}
