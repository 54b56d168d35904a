/**
 * The explorer shell: top bar (views, search, theme), side panel (per view), canvas with
 * toolbar, bottom panel (tables, hops), details panel (node, edge, query, finding).
 */
import { type ApiClient, ApiError } from './api/client';
import type { ElementEdgeData, GraphElements, Me, NodeSummary, Schema } from './api/types';
import { type Filters, GraphCanvas, type LayoutKind, type RenderStats } from './graph/canvas';
import { CATEGORY_COLORS, PROVIDER_COLORS, SchemaStyles } from './graph/style';
import { formatHash, parseHash, type Route, VIEWS, type View } from './state/url';
import { clear, download, errorText, fmtValue, h } from './ui/dom';
import { suggestBox } from './ui/suggest';
import { exportButtons, renderTable } from './ui/table';
import { showEdgeDetails, showNodeDetails } from './views/details';
import { exploreNode, explorePanel, restoreExplore } from './views/explore';
import { findingsPanel } from './views/findings';
import { pathsPanel } from './views/paths';
import { pciPanel } from './views/pci';
import { cypherPanel, queriesPanel } from './views/queries';

export type Theme = 'light' | 'dark';

const VIEW_LABELS: Record<View, string> = {
  explore: 'Explore',
  paths: 'Paths',
  queries: 'Saved queries',
  cypher: 'Cypher',
  findings: 'Findings',
  pci: 'PCI',
};

export class App {
  readonly styles: SchemaStyles;
  canvas!: GraphCanvas;
  theme: Theme;
  route: Route = parseHash(location.hash);
  side!: HTMLElement;
  details!: HTMLElement;
  bottom!: HTMLElement;
  status!: HTMLElement;
  private nav = new Map<View, HTMLAnchorElement>();
  private suppressHash = false;
  /** Rows behind the bottom table, for export. */
  table: { name: string; columns: string[]; rows: Record<string, unknown>[] } | null = null;
  filters: Filters = { providers: new Set(), categories: new Set(), types: null, hideUnused: false };
  /** Explore state kept in the URL: focus node and expanded nodes with their types. */
  explore = { focus: '' as string, expanded: [] as Array<{ id: string; types: string[] }> };

  constructor(
    readonly api: ApiClient,
    readonly schema: Schema,
    readonly me: Me,
    readonly root: HTMLElement,
  ) {
    this.styles = new SchemaStyles(schema);
    this.theme = document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
  }

  mount(onSignOut: () => void): void {
    const search = suggestBox(this.api, {
      placeholder: 'Search identities, roles, resources…  (/)',
      testid: 'search',
      onPick: (n) => {
        search.set(null);
        void exploreNode(this, n.id, { replace: false });
      },
    });
    const nav = h(
      'nav',
      { class: 'views', 'aria-label': 'Views' },
      VIEWS.map((v) => {
        const a = h('a', { href: `#/${v}`, 'data-testid': `nav-${v}` }, VIEW_LABELS[v]);
        this.nav.set(v, a);
        return a;
      }),
    );
    const themeBtn = h(
      'button',
      {
        type: 'button',
        title: 'Light / dark theme',
        'data-testid': 'theme',
        onclick: () => this.setTheme(this.theme === 'dark' ? 'light' : 'dark'),
      },
      '◐',
    );
    const header = h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'permgraph'),
      nav,
      search.el,
      h(
        'span',
        { class: 'muted who', title: `token ${this.me.tokenId}` },
        `${this.me.name} · ${this.me.role}`,
      ),
      themeBtn,
      h('button', { type: 'button', 'data-testid': 'signout', onclick: onSignOut }, 'Sign out'),
    );
    this.side = h('aside', { class: 'side', 'data-testid': 'side' });
    this.details = h('aside', { class: 'details', hidden: true, 'data-testid': 'details' });
    this.bottom = h('section', { class: 'bottom', hidden: true, 'data-testid': 'bottom' });
    this.status = h('span', { class: 'status muted', 'data-testid': 'status', 'aria-live': 'polite' });
    const cyEl = h('div', { class: 'cy', 'data-testid': 'canvas' });
    const legend = this.legend();
    const toolbar = h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        {
          type: 'button',
          title: 'Force-directed overview (fcose)',
          onclick: () => this.relayout('overview'),
        },
        'Overview layout',
      ),
      h(
        'button',
        { type: 'button', title: 'Left-to-right paths (dagre)', onclick: () => this.relayout('path') },
        'Path layout',
      ),
      h('button', { type: 'button', onclick: () => this.canvas.fit() }, 'Fit'),
      h('button', { type: 'button', 'data-testid': 'export-png', onclick: () => this.exportPng() }, 'PNG'),
      h(
        'button',
        { type: 'button', 'data-testid': 'export-graph', onclick: () => this.exportGraph() },
        'Graph JSON',
      ),
      h('button', { type: 'button', onclick: () => this.clearCanvas() }, 'Clear'),
      this.status,
    );
    const center = h(
      'section',
      { class: 'center' },
      toolbar,
      h('div', { class: 'stage' }, cyEl, legend),
      this.bottom,
    );
    clear(this.root, header, h('main', { class: 'layout' }, this.side, center, this.details));
    this.canvas = new GraphCanvas(cyEl, this.styles, this.theme);
    // Panels open and close around the canvas: keep Cytoscape's size right and the graph in view.
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;
    new ResizeObserver(() => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        this.canvas.cy.resize();
        if (this.canvas.size.nodes) this.canvas.fit();
      }, 60);
    }).observe(cyEl);
    this.canvas.onSelect = (s) => {
      if (s.kind === 'node') {
        if (s.data.aggregate) this.showAggregate(s.data.id, Number(s.data.members));
        else void showNodeDetails(this, s.data.id);
      } else if (s.kind === 'edge') showEdgeDetails(this, s.data as ElementEdgeData);
    };
    this.canvas.onExpand = (id) => {
      if (!id.startsWith('agg:')) void this.expand(id, []);
    };
    this.canvas.onChange = () => this.updateStatus();
    window.addEventListener('hashchange', () => {
      if (this.suppressHash) return;
      this.route = parseHash(location.hash);
      void this.openRoute();
    });
    document.addEventListener('keydown', (e) => this.onKey(e, search.input));
    void this.openRoute();
  }

  private onKey(e: KeyboardEvent, searchInput: HTMLInputElement): void {
    const t = e.target as HTMLElement;
    const typing = t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
    if (e.key === '/' && !typing) {
      e.preventDefault();
      searchInput.focus();
      searchInput.select();
    } else if (e.key === 'Escape') {
      if (typing) (t as HTMLInputElement).blur();
      else if (!this.details.hidden) this.closeDetails();
      else this.canvas.highlightPath(null);
    }
  }

  /** Writes view parameters into the URL (without re-running the view). */
  setUrl(view: View, params: Record<string, string | string[] | undefined | null>, push = false): void {
    const hash = formatHash(view, params);
    if (hash === location.hash) return;
    this.suppressHash = true;
    if (push) history.pushState(null, '', hash);
    else history.replaceState(null, '', hash);
    this.route = parseHash(hash);
    setTimeout(() => {
      this.suppressHash = false;
    }, 0);
    this.markNav();
  }

  private markNav(): void {
    for (const [v, a] of this.nav) a.classList.toggle('active', v === this.route.view);
  }

  async openRoute(): Promise<void> {
    this.markNav();
    const { view, params } = this.route;
    if (view !== this.side.dataset.view) {
      // A new view starts clean: no stale table or details from the previous one.
      this.hideBottom();
      this.closeDetails();
    }
    document.title = `permgraph · ${VIEW_LABELS[view]}`;
    this.side.dataset.view = view;
    try {
      switch (view) {
        case 'explore':
          explorePanel(this);
          await restoreExplore(this, params);
          break;
        case 'paths':
          await pathsPanel(this, params);
          break;
        case 'queries':
          await queriesPanel(this, params);
          break;
        case 'cypher':
          await cypherPanel(this, params);
          break;
        case 'findings':
          await findingsPanel(this, params);
          break;
        case 'pci':
          await pciPanel(this, params);
          break;
      }
    } catch (e) {
      this.error(e);
    }
  }

  go(view: View, params: Record<string, string | string[] | undefined> = {}): void {
    location.hash = formatHash(view, params);
  }

  error(e: unknown): void {
    if (e instanceof ApiError && e.status === 401) return;
    this.setStatus(errorText(e), true);
  }

  setStatus(text: string, isError = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', isError);
  }

  private updateStatus(): void {
    const s = this.canvas.lastStats;
    const { nodes, edges } = this.canvas.size;
    this.setStatus(
      nodes
        ? `${nodes} nodes · ${edges} edges${s?.aggregated ? ` · aggregated to ${s.nodes} groups/nodes` : ''}${s ? ` · drawn in ${Math.round(s.layoutMs)} ms` : ''}`
        : 'Empty canvas: search for a node (/) or run a query',
    );
  }

  async renderGraph(els: GraphElements, layout: LayoutKind): Promise<RenderStats> {
    this.setStatus(`Drawing ${els.nodes.length} nodes…`);
    return this.canvas.render(els, layout);
  }

  async expand(id: string, types: string[]): Promise<void> {
    try {
      this.setStatus('Expanding…');
      const r = await this.api.neighbours(id, { types: types.length ? types : undefined, limit: 500 });
      if (!this.canvas.hasNode(id)) {
        const d = await this.api.node(id);
        r.elements.nodes.push({ data: { ...d.node, label: d.node.name } });
      }
      await this.canvas.merge(r.elements, 'overview', id);
      if (r.truncated) this.setStatus(`${this.status.textContent} · neighbours truncated (more than 500)`);
      const prev = this.explore.expanded.find((x) => x.id === id);
      if (prev) prev.types = types.length && prev.types.length ? [...new Set([...prev.types, ...types])] : [];
      else this.explore.expanded.push({ id, types });
      this.saveExploreUrl();
    } catch (e) {
      this.error(e);
    }
  }

  saveExploreUrl(): void {
    if (this.route.view !== 'explore') return;
    this.setUrl('explore', {
      node: this.explore.focus,
      x: this.explore.expanded.slice(0, 20).map((x) => `${x.types.join('.')}~${x.id}`),
      prov: [...this.filters.providers].join(','),
      cat: [...this.filters.categories].join(','),
      unused: this.filters.hideUnused ? '1' : undefined,
    });
  }

  showDetails(...children: Array<Node | string | null>): void {
    clear(
      this.details,
      h(
        'button',
        { type: 'button', class: 'close', title: 'Close (Esc)', onclick: () => this.closeDetails() },
        '×',
      ),
      ...children,
    );
    this.details.hidden = false;
  }

  closeDetails(): void {
    this.details.hidden = true;
    this.canvas.cy.elements().unselect();
  }

  showTable(
    name: string,
    columns: string[],
    rows: Record<string, unknown>[],
    extra?: { caption?: string; tall?: boolean },
  ): void {
    this.table = { name, columns, rows };
    clear(
      this.bottom,
      h(
        'div',
        { class: 'bottom-bar' },
        h('strong', {}, extra?.caption ?? name),
        h('span', { class: 'muted' }, ` ${rows.length} rows `),
        exportButtons(name, () => this.table ?? { columns: [], rows: [] }),
        h('button', { type: 'button', class: 'close', onclick: () => this.hideBottom() }, '×'),
      ),
      renderTable(columns, rows, { onNode: (id) => void exploreNode(this, id, { replace: false }) }),
    );
    this.bottom.hidden = false;
    this.bottom.classList.toggle('tall', extra?.tall === true);
  }

  hideBottom(): void {
    this.bottom.hidden = true;
    this.table = null;
  }

  nodeLabel(id: string): string {
    return String(this.canvas.nodeData(id)?.label ?? id);
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('permgraph.theme', theme);
    this.canvas.setTheme(theme);
  }

  private async relayout(kind: LayoutKind): Promise<void> {
    await this.canvas.relayout(kind);
  }

  private clearCanvas(): void {
    this.canvas.clear();
    this.explore = { focus: '', expanded: [] };
    this.saveExploreUrl();
  }

  private exportPng(): void {
    const bg = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#ffffff';
    download('permgraph.png', this.canvas.png(bg));
  }

  private exportGraph(): void {
    download(
      'permgraph-graph.json',
      new Blob([JSON.stringify(this.canvas.elements(), null, 2)], { type: 'application/json' }),
    );
  }

  private showAggregate(id: string, members: number): void {
    const d = this.canvas.cy.getElementById(id).data() as Record<string, unknown>;
    this.showDetails(
      h('h2', {}, String(d.label)),
      h(
        'p',
        { class: 'muted' },
        `${members} ${String(d.kind)} nodes in ${fmtValue(d.account ?? d.provider)}, grouped because the result has more nodes than the canvas shows one by one.`,
      ),
      h(
        'button',
        { type: 'button', class: 'primary', onclick: () => void this.canvas.expandGroup(id) },
        'Show the members',
      ),
      h(
        'ul',
        { class: 'plain' },
        ((d.memberIds as string[]) ?? []).map((m) =>
          h(
            'li',
            {},
            h('button', { type: 'button', class: 'link', onclick: () => void showNodeDetails(this, m) }, m),
          ),
        ),
      ),
    );
  }

  private legend(): HTMLElement {
    return h(
      'div',
      { class: 'legend', 'aria-label': 'Legend' },
      Object.entries(PROVIDER_COLORS)
        .filter(([p]) => p !== 'shared')
        .map(([p, c]) => h('span', {}, h('i', { class: 'swatch', style: `background:${c}` }), p)),
      h('span', {}, h('i', { class: 'swatch t0' }), 'tier zero ★'),
      ['escalation', 'effective', 'structural'].map((c) =>
        h('span', {}, h('i', { class: `line ${c}`, style: `border-color:${CATEGORY_COLORS[c]}` }), c),
      ),
      h('span', {}, h('i', { class: 'line dashed' }), 'conditional'),
      h('span', {}, h('i', { class: 'line dotted' }), 'unused'),
    );
  }
}

export type { NodeSummary };
