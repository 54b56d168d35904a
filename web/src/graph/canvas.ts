/**
 * The graph canvas: the only module that talks to Cytoscape. Renders GraphElements from the
 * API with schema styles and keeps every long step off the main thread or in short slices:
 * the layout runs in a web worker first, then elements go in once at their final positions
 * (250 per task while the viewport looks away, so nothing is drawn until the fit), labels
 * disappear when zoomed out, nothing animates. Beyond BIG nodes edges are straight and
 * unlabelled and pan/zoom draws a texture; beyond AGGREGATE_THRESHOLD nodes, plain nodes
 * collapse into per-kind/account groups.
 */
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import type { ElementEdge, ElementEdgeData, ElementNode, ElementNodeData, GraphElements } from '../api/types';
import { AGGREGATE_THRESHOLD, aggregate } from './aggregate';
import { computeLayout, type LayoutRequest, type LayoutResponse } from './layout';
import { edgeClasses, nodeClasses, type SchemaStyles, stylesheet, THEMES } from './style';

export type LayoutKind = 'overview' | 'path';

export interface RenderStats {
  nodes: number;
  edges: number;
  aggregated: boolean;
  /** Render call to every element drawn (initial positions). */
  firstPaintMs: number;
  /** Render call to final layout positions drawn. */
  layoutMs: number;
  /** Time the layout itself took in the worker. */
  workerMs: number;
  /** Where the time went: [step, ms] in order (add/frame slices, fit, paint, worker-wait...). */
  steps: Array<[string, number]>;
}

export interface Filters {
  providers: Set<string>;
  categories: Set<string>;
  types: Set<string> | null;
  hideUnused: boolean;
}

export type Selection =
  | { kind: 'node'; data: ElementNodeData }
  | { kind: 'edge'; data: ElementEdgeData }
  | { kind: 'none' };

/** Elements added per main-thread task when a big result goes in. */
const ADD_CHUNK = 200;
/**
 * Above this many nodes: plain edges are straight arrowless lines, escalation edges straight and
 * unlabelled (technique in the details panel), pan/zoom draws a texture.
 */
export const BIG = 800;
/**
 * Above this many nodes the first paint has no node labels; right after it (and after each
 * pan/zoom) the nodes in view get theirs, LABEL_CHUNK per frame, if zoomed in to LABEL_ZOOM.
 */
export const LABEL_DEFER = 300;
/** Zoom from which labels are readable (11 px font, drawn from 7 px: min-zoomed-font-size). */
export const LABEL_ZOOM = 7 / 11;
/** Nodes labelled per frame after the first paint or a pan/zoom. */
const LABEL_CHUNK = 200;

/** Lets the browser run other tasks (input, timers) between slices, without waiting for a frame. */
const yieldTask = () =>
  new Promise<void>((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(null);
  });
const painted = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));

export class GraphCanvas {
  readonly cy: Core;
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, (r: LayoutResponse) => void>();
  private nodes = new Map<string, ElementNode>();
  private edges = new Map<string, ElementEdge>();
  private expandedGroups = new Set<string>();
  private pinned = new Set<string>();
  private filters: Filters = {
    providers: new Set(),
    categories: new Set(),
    types: null,
    hideUnused: false,
  };
  onSelect: (s: Selection) => void = () => {};
  onExpand: (id: string) => void = () => {};
  onChange: () => void = () => {};
  lastStats: RenderStats | null = null;
  private precomputed = false;
  private labelTimer: ReturnType<typeof setTimeout> | null = null;
  private labelling = false;
  aggregated = false;

  constructor(
    container: HTMLElement,
    private styles: SchemaStyles,
    theme: 'light' | 'dark',
  ) {
    this.cy = cytoscape({
      container,
      style: stylesheet(THEMES[theme]),
      minZoom: 0.02,
      maxZoom: 4,
      wheelSensitivity: 0.3,
      pixelRatio: 1,
      textureOnViewport: false, // switched on for big graphs (setViewportTextures)
      hideEdgesOnViewport: true,
      motionBlur: false,
      boxSelectionEnabled: false,
      // Cytoscape's WebGL renderer draws large graphs in batches; opt in with ?webgl=1.
      ...(new URLSearchParams(location.search).get('webgl') === '1'
        ? ({ renderer: { name: 'canvas', webgl: true } } as unknown as Record<string, never>)
        : {}),
    });
    this.cy.on('tap', 'node', (e) => this.onSelect({ kind: 'node', data: e.target.data() }));
    this.cy.on('tap', 'edge', (e) => this.onSelect({ kind: 'edge', data: e.target.data() }));
    this.cy.on('tap', (e) => {
      if (e.target === this.cy) this.onSelect({ kind: 'none' });
    });
    this.cy.on('dbltap', 'node', (e) => this.onExpand(e.target.id()));
    this.cy.on('viewport', () => this.scheduleLabels());
    try {
      this.worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (ev: MessageEvent<LayoutResponse>) => {
        this.pending.get(ev.data.id)?.(ev.data);
        this.pending.delete(ev.data.id);
      };
    } catch {
      this.worker = null;
    }
  }

  setSchemaStyles(styles: SchemaStyles): void {
    this.styles = styles;
  }

  setTheme(theme: 'light' | 'dark'): void {
    this.cy.style(stylesheet(THEMES[theme]));
  }

  get size(): { nodes: number; edges: number } {
    return { nodes: this.nodes.size, edges: this.edges.size };
  }

  /** Everything currently loaded (before aggregation), for export and URL state. */
  elements(): GraphElements {
    const strip = <T extends { data: Record<string, unknown> }>(e: T): T => ({
      ...e,
      data: Object.fromEntries(Object.entries(e.data).filter(([k]) => !k.startsWith('_'))) as T['data'],
    });
    return { nodes: [...this.nodes.values()].map(strip), edges: [...this.edges.values()].map(strip) };
  }

  hasNode(id: string): boolean {
    return this.nodes.has(id) || this.cy.getElementById(id).nonempty();
  }

  nodeData(id: string): ElementNodeData | undefined {
    return this.nodes.get(id)?.data;
  }

  clear(): void {
    this.nodes.clear();
    this.edges.clear();
    this.expandedGroups.clear();
    this.pinned.clear();
    this.cy.elements().remove();
    this.lastStats = null;
    this.onChange();
  }

  /** Replaces the canvas content. */
  render(els: GraphElements, layout: LayoutKind = 'overview'): Promise<RenderStats> {
    this.cy.elements().removeClass('pg-path pg-dim');
    this.nodes.clear();
    this.edges.clear();
    this.expandedGroups.clear();
    this.pinned.clear();
    this.ingest(els);
    return this.draw(layout, null);
  }

  /** Adds elements to the canvas (expansion), placing new nodes around `anchor`. */
  merge(els: GraphElements, layout: LayoutKind = 'overview', anchor?: string): Promise<RenderStats> {
    if (anchor) this.pinned.add(anchor);
    this.ingest(els);
    return this.draw(layout, anchor ?? null);
  }

  expandGroup(key: string): Promise<RenderStats> {
    this.expandedGroups.add(key);
    return this.draw('overview', null);
  }

  private ingest(els: GraphElements): void {
    for (const n of els.nodes) {
      const prev = this.nodes.get(n.data.id);
      const data = { ...(prev?.data ?? {}), ...n.data };
      this.styles.decorateNode(data);
      this.nodes.set(n.data.id, { data, position: n.position ?? prev?.position });
    }
    for (const e of els.edges) {
      if (!this.nodes.has(e.data.source) || !this.nodes.has(e.data.target)) continue;
      const data = { ...e.data };
      this.styles.decorateEdge(data);
      this.edges.set(e.data.id, { data });
    }
  }

  private async draw(layout: LayoutKind, anchor: string | null): Promise<RenderStats> {
    const t0 = performance.now();
    const steps: Array<[string, number]> = [];
    let tStep = t0;
    const step = (name: string) => {
      const now = performance.now();
      steps.push([name, Math.round(now - tStep)]);
      tStep = now;
    };
    const cy = this.cy;
    const all: GraphElements = { nodes: [...this.nodes.values()], edges: [...this.edges.values()] };
    const agg = aggregate(all, {
      threshold: AGGREGATE_THRESHOLD,
      keep: this.pinned,
      expanded: this.expandedGroups,
    });
    this.aggregated = agg.aggregated;
    const view = agg.elements;
    for (const n of view.nodes) if (n.data.aggregate) this.styles.decorateNode(n.data);
    for (const e of view.edges) if (String(e.data.id).startsWith('agg:')) this.styles.decorateEdge(e.data);

    // Positions: keep the ones on screen, new ones around the anchor or on a grid.
    const current = new Map<string, { x: number; y: number }>();
    cy.nodes().forEach((n) => {
      current.set(n.id(), { ...n.position() });
    });
    const fresh = view.nodes.filter((n) => !current.has(n.data.id));
    const center = anchor && current.get(anchor) ? current.get(anchor)! : { x: 0, y: 0 };
    const initial = new Map<string, { x: number; y: number }>();
    const ringed = anchor !== null && fresh.length < 60;
    const cols = Math.max(1, Math.ceil(Math.sqrt(fresh.length)));
    fresh
      .sort((a, b) => (String(a.data.kind) < String(b.data.kind) ? -1 : a.data.kind === b.data.kind ? 0 : 1))
      .forEach((n, i) => {
        if (n.position) initial.set(n.data.id, n.position);
        else if (ringed) {
          const a = (2 * Math.PI * i) / fresh.length;
          initial.set(n.data.id, { x: center.x + 160 * Math.cos(a), y: center.y + 160 * Math.sin(a) });
        } else
          initial.set(n.data.id, { x: center.x + (i % cols) * 70, y: center.y + Math.floor(i / cols) * 70 });
      });

    step('prepare');
    const needLayout = fresh.some((n) => !n.position);
    const big = view.nodes.length > BIG;
    this.setViewportTextures(big);
    // Layout first, in the worker; then every element goes in once at its final position: no
    // redraws at temporary positions, no second pass moving thousands of nodes. (Adding while
    // the worker runs and moving afterwards measured slower, with longer tasks.)
    let workerMs = 0;
    let positions: Record<string, { x: number; y: number }> | null = null;
    if (needLayout) {
      const r = await this.layout(view, layout);
      step('worker');
      workerMs = r.ms;
      positions = r.error ? null : r.positions;
    }
    const pos = (id: string) => positions?.[id] ?? current.get(id) ?? initial.get(id) ?? { x: 0, y: 0 };

    const keepIds = new Set<string>([
      ...view.nodes.map((n) => n.data.id),
      ...view.edges.map((e) => e.data.id),
    ]);
    const adds: ElementDefinition[] = [];
    for (const n of view.nodes) {
      if (current.has(n.data.id)) continue;
      adds.push({
        group: 'nodes',
        data: n.data,
        position: { ...pos(n.data.id) },
        classes: nodeClasses(n.data, view.nodes.length > LABEL_DEFER),
      });
    }
    for (const e of view.edges)
      if (cy.getElementById(e.data.id).empty())
        adds.push({ group: 'edges', data: e.data, classes: edgeClasses(e.data, big) });
    // Big additions go in slices inside one batch held across the slices: Cytoscape draws
    // nothing while batching, so no frame redraws a half-added graph, and each task stays short.
    const sliced = adds.length > ADD_CHUNK;
    cy.startBatch();
    try {
      cy.elements()
        .filter((e) => !keepIds.has(e.id()))
        .remove();
      if (positions && current.size) this.applyPositions(positions);
      for (let i = 0; i < adds.length; i += ADD_CHUNK) {
        const added = cy.add(adds.slice(i, i + ADD_CHUNK));
        this.applyFilters(added);
        if (sliced) this.precompute(added);
        step('add');
        if (i + ADD_CHUNK < adds.length) {
          await yieldTask();
          step('yield');
        }
      }
      // Everything added was styled by precompute(): endBatch must not restyle it all at once.
      if (sliced) {
        this.forgetBatchStyles();
        await yieldTask();
        step('yield');
      }
    } finally {
      cy.endBatch();
    }
    if (positions)
      for (const [id, p] of Object.entries(positions)) {
        const n = this.nodes.get(id);
        if (n) n.position = p;
      }
    if (!current.size || positions || sliced) this.fitBox(view.nodes.map((n) => pos(n.data.id)));
    // In this task, before the frame: the drawing order of all elements, so the frame only draws.
    if (sliced) this.renderer()?.getCachedZSortedEles?.();
    step('end batch, fit, z-order');
    await painted();
    step('paint');
    this.scheduleLabels();
    const firstPaintMs = performance.now() - t0;
    const layoutMs = firstPaintMs;
    this.lastStats = {
      nodes: view.nodes.length,
      edges: view.edges.length,
      aggregated: agg.aggregated,
      firstPaintMs,
      layoutMs,
      workerMs,
      steps,
    };
    this.onChange();
    return this.lastStats;
  }

  /** After the first paint and after pan/zoom settles: label what is in view. */
  private scheduleLabels(): void {
    if (this.labelTimer) clearTimeout(this.labelTimer);
    this.labelTimer = setTimeout(() => {
      this.labelTimer = null;
      if (this.labelling) this.scheduleLabels();
      else void this.labelInView();
    }, 120);
  }

  /**
   * Graphs above LABEL_DEFER nodes are first drawn without labels (unreadable when zoomed out,
   * and measuring and drawing thousands of them would make the first frame one long task). Once
   * zoomed in to LABEL_ZOOM, the unlabelled nodes in view (plus a quarter of a screen around)
   * get their label, LABEL_CHUNK per frame. Returns how many.
   */
  async labelInView(): Promise<number> {
    const cy = this.cy;
    if (this.labelling || cy.zoom() < LABEL_ZOOM) return 0;
    const ext = cy.extent();
    const [mx, my] = [ext.w / 4, ext.h / 4];
    const todo = cy.nodes().filter((n) => {
      if (n.hasClass('lbl')) return false;
      const p = n.position();
      return p.x >= ext.x1 - mx && p.x <= ext.x2 + mx && p.y >= ext.y1 - my && p.y <= ext.y2 + my;
    });
    if (todo.empty()) return 0;
    this.labelling = true;
    try {
      for (let i = 0; i < todo.length; i += LABEL_CHUNK) {
        cy.batch(() => {
          todo.slice(i, i + LABEL_CHUNK).addClass('lbl');
        });
        await painted();
      }
    } finally {
      this.labelling = false;
    }
    return todo.length;
  }

  /**
   * Computes the style and rendered style (edge geometry, label positions) of just-added
   * elements in the current task, inside the held batch, so the first frame after the batch
   * only draws instead of doing all of it for thousands of elements in one long task. Uses
   * Cytoscape internals (`style().apply`, `renderer().flushRenderedStyleQueue`, checked on
   * cytoscape 3.35); where they are missing, the first frame does the work as usual.
   */
  private precompute(added: cytoscape.Collection): void {
    const style = this.cy.style() as unknown as { apply?: (eles: cytoscape.Collection) => void };
    const r = this.renderer();
    if (typeof style.apply !== 'function' || typeof r?.flushRenderedStyleQueue !== 'function') return;
    style.apply(added);
    r.flushRenderedStyleQueue();
    // Each element's bounding box is cached (the first frame needs them to cull).
    added.boundingBox();
    this.precomputed = true;
  }

  /** After precompute(): drop Cytoscape's queue of elements to restyle when the batch ends. */
  private forgetBatchStyles(): void {
    const p = (this.cy as unknown as { _private?: { batchStyleEles?: cytoscape.Collection } })._private;
    if (this.precomputed && p?.batchStyleEles) p.batchStyleEles = this.cy.collection();
    this.precomputed = false;
  }

  private renderer():
    | {
        flushRenderedStyleQueue?: () => void;
        getCachedZSortedEles?: () => unknown;
        textureOnViewport?: boolean;
      }
    | undefined {
    return (this.cy as unknown as { renderer?: () => Record<string, never> }).renderer?.();
  }

  private fitBox(points: Array<{ x: number; y: number }>): void {
    if (!points.length) return;
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const [x1, x2, y1, y2] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const w = this.cy.width() || 800;
    const h = this.cy.height() || 600;
    const zoom = Math.min(1.4, Math.max(0.02, Math.min((w - 60) / (x2 - x1 + 1), (h - 60) / (y2 - y1 + 1))));
    this.cy.viewport({ zoom, pan: { x: w / 2 - zoom * ((x1 + x2) / 2), y: h / 2 - zoom * ((y1 + y2) / 2) } });
  }

  /** Moves the nodes already on the canvas (expansion of a drawn graph), in one batch. */
  private applyPositions(positions: Record<string, { x: number; y: number }>): void {
    this.cy.batch(() => {
      this.cy.nodes().positions((n) => positions[n.id()] ?? n.position());
    });
  }

  /** Pan/zoom over a big graph draws a cached texture instead of every element. */
  private setViewportTextures(on: boolean): void {
    const r = this.renderer();
    if (r && typeof r.textureOnViewport === 'boolean') r.textureOnViewport = on;
  }

  private layout(view: GraphElements, kind: LayoutKind): Promise<LayoutResponse> {
    const req: LayoutRequest = {
      id: ++this.seq,
      layout: kind,
      nodes: view.nodes.map((n) => ({ id: n.data.id, size: Number(n.data._size ?? 26) })),
      edges: view.edges.map((e) => ({ id: e.data.id, source: e.data.source, target: e.data.target })),
    };
    if (!this.worker) return Promise.resolve(this.layoutHere(req));
    return new Promise((resolve) => {
      this.pending.set(req.id, resolve);
      this.worker!.postMessage(req);
    });
  }

  /** Fallback without workers: the same layout on the page. */
  private layoutHere(req: LayoutRequest): LayoutResponse {
    const t0 = performance.now();
    try {
      return { id: req.id, positions: computeLayout(req), ms: performance.now() - t0 };
    } catch (e) {
      return { id: req.id, positions: {}, ms: 0, error: String(e) };
    }
  }

  relayout(kind: LayoutKind): Promise<RenderStats> {
    for (const n of this.nodes.values()) n.position = undefined;
    this.cy.elements().remove();
    return this.draw(kind, null);
  }

  setFilters(f: Filters): void {
    this.filters = f;
    this.cy.batch(() => this.applyFilters(this.cy.elements()));
  }

  private applyFilters(eles: cytoscape.Collection): void {
    const f = this.filters;
    const none = !f.providers.size && !f.categories.size && f.types === null && !f.hideUnused;
    const wasHidden = eles.filter('.pg-hidden');
    if (none) {
      // Nothing filtered (the usual case): only unhide what was hidden, no per-element work.
      wasHidden.removeClass('pg-hidden');
      return;
    }
    const provider = (id: string) =>
      this.nodes.get(id)?.data.provider ?? this.cy.getElementById(id).data('provider');
    const hidden = eles.filter((el) => {
      const d = el.data();
      if (el.isNode()) return f.providers.size > 0 && !f.providers.has(d.provider);
      if (
        (f.categories.size > 0 && !f.categories.has(d.category)) ||
        (f.types !== null && !f.types.has(d.type)) ||
        (f.hideUnused && d.unused === true)
      )
        return true;
      if (!f.providers.size) return false;
      const sp = provider(d.source);
      const tp = provider(d.target);
      return (sp !== undefined && !f.providers.has(sp)) || (tp !== undefined && !f.providers.has(tp));
    });
    wasHidden.difference(hidden).removeClass('pg-hidden');
    hidden.addClass('pg-hidden');
  }

  /** Emphasises one path (node ids in order); dims the rest. */
  highlightPath(nodeIds: string[] | null): void {
    const cy = this.cy;
    cy.batch(() => {
      cy.elements().removeClass('pg-path pg-dim');
      if (!nodeIds?.length) return;
      const on = new Set(nodeIds);
      const edges = cy.collection();
      for (let i = 0; i + 1 < nodeIds.length; i++)
        edges.merge(
          cy.edges(`[source = ${JSON.stringify(nodeIds[i])}][target = ${JSON.stringify(nodeIds[i + 1])}]`),
        );
      edges.addClass('pg-path');
      cy.elements()
        .filter((e) => (e.isNode() ? !on.has(e.id()) : !edges.has(e)))
        .addClass('pg-dim');
    });
  }

  select(id: string): void {
    const el = this.cy.getElementById(id);
    if (el.empty()) return;
    this.cy.elements().unselect();
    el.select();
    this.cy.animate({ center: { eles: el } }, { duration: 0 });
  }

  fit(): void {
    this.cy.fit(undefined, 30);
    // A handful of nodes should not fill the screen.
    if (this.cy.zoom() > 1.4) {
      this.cy.zoom(1.4);
      this.cy.center();
    }
  }

  png(bg: string): Blob {
    return this.cy.png({ output: 'blob', full: true, bg, scale: 1, maxWidth: 4096, maxHeight: 4096 });
  }

  typesOnCanvas(): Map<string, number> {
    const m = new Map<string, number>();
    for (const e of this.edges.values()) m.set(e.data.type, (m.get(e.data.type) ?? 0) + 1);
    return m;
  }
}
