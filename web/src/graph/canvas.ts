/**
 * The graph canvas: the only module that talks to Cytoscape. Renders GraphElements from the
 * API with schema styles and keeps every long step off the main thread or in short slices:
 * the layout runs in a web worker first, then elements go in once at their final positions,
 * in slices of about 30 ms inside one held Cytoscape batch (nothing is drawn meanwhile), then
 * they are drawn into Cytoscape's layer bitmap in 20 ms slices, so the first frame draws one
 * image instead of every element. Labels come only where the zoom makes them readable,
 * nothing animates. Beyond BIG nodes edges are straight and unlabelled and pan/zoom draws a
 * texture; beyond AGGREGATE_THRESHOLD nodes, plain nodes collapse into per-kind/account groups.
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
  /**
   * Elements drawn into Cytoscape's layer bitmap before the first frame (0 when the addition
   * was small or the layers could not be made), and whether the first frame drew that bitmap.
   */
  layered: number;
  paintedFromLayers: boolean;
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

/** Elements added in the first main-thread task when a big result goes in (then resized). */
const ADD_CHUNK = 100;
const ADD_CHUNK_MIN = 50;
const ADD_CHUNK_MAX = 500;
/** Target length of one slice of additions. */
const ADD_SLICE_MS = 30;
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

interface Viewport {
  zoom: number;
  pan: { x: number; y: number };
}
interface Extent {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  w: number;
  h: number;
}

/** Whether a model position is in the extent or within a quarter of a screen around it. */
const nearView = (ext: Extent) => {
  const [mx, my] = [ext.w / 4, ext.h / 4];
  return (p: { x: number; y: number }) =>
    p.x >= ext.x1 - mx && p.x <= ext.x2 + mx && p.y >= ext.y1 - my && p.y <= ext.y2 + my;
};

/** Longest main-thread slice spent drawing elements into the layer bitmap before yielding. */
const LAYER_SLICE_MS = 20;

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
  /** True while prebuildLayers() fills the layer bitmap (labels wait for it). */
  private building = false;
  /** 1 × 1 canvas that layer bitmaps are drawn onto to make the browser rasterize them. */
  private scratch: CanvasRenderingContext2D | null = null;
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

    let layered = 0;
    const keepIds = new Set<string>([
      ...view.nodes.map((n) => n.data.id),
      ...view.edges.map((e) => e.data.id),
    ]);
    const newNodes = view.nodes.filter((n) => !current.has(n.data.id));
    const newEdges = view.edges.filter((e) => cy.getElementById(e.data.id).empty());
    const sliced = newNodes.length + newEdges.length > ADD_CHUNK;
    // The viewport of the first paint, known before anything is added: where it makes labels
    // readable, the nodes in and around it are labelled now (measured in the slices, drawn into
    // the layer), not in extra frames after the paint.
    const fit = !current.size || positions !== null || sliced;
    const vp = fit ? this.fitViewport(view.nodes.map((n) => pos(n.data.id))) : null;
    const zoom = vp?.zoom ?? cy.zoom();
    const deferLabels = view.nodes.length > LABEL_DEFER;
    const near = deferLabels && zoom >= LABEL_ZOOM ? nearView(vp ? this.extentOf(vp) : cy.extent()) : null;
    const adds: ElementDefinition[] = [];
    for (const n of newNodes) {
      const p = pos(n.data.id);
      adds.push({
        group: 'nodes',
        data: n.data,
        position: { ...p },
        classes: nodeClasses(n.data, deferLabels && !near?.(p)),
      });
    }
    for (const e of newEdges) adds.push({ group: 'edges', data: e.data, classes: edgeClasses(e.data, big) });
    // Big additions go in slices inside one batch held across the slices: Cytoscape draws
    // nothing while batching, so no frame redraws a half-added graph, and each task stays short.
    if (sliced) {
      await yieldTask();
      step('yield');
    }
    cy.startBatch();
    try {
      cy.elements()
        .filter((e) => !keepIds.has(e.id()))
        .remove();
      if (positions && current.size) this.applyPositions(positions);
      // Slices start at ADD_CHUNK elements and are resized to take about ADD_SLICE_MS each
      // (curved edges with arrows cost several times more than straight lines, and a busy
      // machine makes every slice slower).
      let chunk = ADD_CHUNK;
      for (let i = 0; i < adds.length; ) {
        const t = performance.now();
        const added = cy.add(adds.slice(i, i + chunk));
        this.applyFilters(added);
        if (sliced) this.precompute(added);
        i += chunk;
        const ms = performance.now() - t;
        chunk = Math.round(
          Math.min(ADD_CHUNK_MAX, Math.max(ADD_CHUNK_MIN, (chunk * ADD_SLICE_MS) / Math.max(ms, 1))),
        );
        step('add');
        if (i < adds.length) {
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
      if (vp) cy.viewport(vp);
      // Still inside the batch (no frame can be drawn): paint the graph into Cytoscape's layer
      // bitmap in slices, so the first frame draws one image instead of every element.
      if (sliced) layered = await this.prebuildLayers(step);
    } finally {
      cy.endBatch();
    }
    if (positions)
      for (const [id, p] of Object.entries(positions)) {
        const n = this.nodes.get(id);
        if (n) n.position = p;
      }
    // In this task, before the frame: the drawing order of all elements, so the frame only draws.
    if (sliced) this.renderer()?.getCachedZSortedEles?.();
    step('end batch, fit, z-order');
    await painted();
    step('paint');
    const paintedFromLayers = layered > 0 && this.layersComplete();
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
      layered,
      paintedFromLayers,
    };
    this.onChange();
    return this.lastStats;
  }

  /** After the first paint and after pan/zoom settles: label what is in view. */
  private scheduleLabels(): void {
    if (this.labelTimer) clearTimeout(this.labelTimer);
    this.labelTimer = setTimeout(() => {
      this.labelTimer = null;
      if (this.labelling || this.building) this.scheduleLabels();
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
    const near = nearView(cy.extent());
    const todo = cy.nodes().filter((n) => !n.hasClass('lbl') && near(n.position()));
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

  /**
   * Draws every element into Cytoscape's layered texture cache (the bitmap its canvas renderer
   * draws a still graph from, normally filled a few elements per frame once the graph has been
   * still for 250 ms, while each of those frames draws every element directly), LAYER_SLICE_MS
   * per task, while the caller holds the batch so no frame is drawn meanwhile. The first frame
   * then finds the layers for its zoom level complete and draws them as one image: with 2,000
   * nodes and 4,000 edges, drawing them directly was a single frame of 200 to 350 ms. Uses
   * Cytoscape internals (`data.lyrTxrCache`: `getLayers`, `dequeue`, `layersQueue`, checked on
   * cytoscape 3.35); where they are missing or the layer would be too large (zoomed in far, or
   * a layer above 4,000 × 4,000 px), nothing happens and the first frame draws as usual.
   * Returns how many elements went into the layers.
   */
  private async prebuildLayers(step: (name: string) => void): Promise<number> {
    const r = this.renderer();
    const lyr = r?.data?.lyrTxrCache;
    if (
      !r ||
      !lyr ||
      typeof lyr.getLayers !== 'function' ||
      typeof lyr.dequeue !== 'function' ||
      typeof lyr.layersQueue?.size !== 'function' ||
      typeof r.getCachedZSortedEles !== 'function' ||
      typeof r.getPixelRatio !== 'function'
    )
      return 0;
    // Elements still queued for rendered-style updates would invalidate the layers at the
    // first frame: the last slice's (queued again after precompute() flushed them), and edges
    // whose bounding box a later parallel edge discarded (recomputing it queues them).
    r.flushRenderedStyleQueue?.();
    this.cy.elements().boundingBox();
    r.flushRenderedStyleQueue?.();
    await yieldTask();
    step('flush');
    const eles = r.getCachedZSortedEles(true) as { nondrag?: unknown[] };
    if (!Array.isArray(eles.nondrag) || !eles.nondrag.length) return 0;
    await yieldTask();
    step('z-order');
    const pxRatio = r.getPixelRatio();
    this.building = true;
    try {
      // Queue the elements instead of drawing them all now (Cytoscape's choice for the first
      // layers ever made, and for none while the graph changed in the last 250 ms).
      lyr.firstGet = false;
      lyr.skipping = false;
      if (lyr.getLayers(eles.nondrag, pxRatio)) return 0; // already complete at this zoom
      await yieldTask();
      step('queue layers');
      let drawn = 0;
      while (lyr.layersQueue.size() > 0) {
        const t = performance.now();
        while (lyr.layersQueue.size() > 0 && performance.now() - t < LAYER_SLICE_MS) {
          if (!lyr.dequeue(pxRatio).length) break;
          drawn++;
        }
        this.rasterLayers(lyr.layersByLevel);
        step('layer');
        await yieldTask();
        step('yield');
      }
      return drawn;
    } finally {
      this.building = false;
    }
  }

  /** Whether the layers of the current zoom level hold every element (what a frame then draws). */
  layersComplete(): boolean {
    const r = this.renderer();
    const lyr = r?.data?.lyrTxrCache;
    if (!r?.getCachedZSortedEles || !r.getPixelRatio || typeof lyr?.levelIsComplete !== 'function')
      return false;
    const eles = r.getCachedZSortedEles() as { nondrag?: unknown[] };
    const lvl = Math.max(-4, Math.ceil(Math.log2(this.cy.zoom() * r.getPixelRatio())));
    return Array.isArray(eles.nondrag) && lyr.levelIsComplete(lvl, eles.nondrag);
  }

  /**
   * Canvas 2D records draw calls and rasterizes them when the canvas is next read: drawing a
   * layer (1 × 1) onto a scratch canvas makes the browser rasterize what this slice drew into
   * it now, instead of all of it in the first frame (60 ms for 6,000 elements).
   */
  private rasterLayers(
    byLevel: Record<string, Array<{ canvas?: CanvasImageSource }> | undefined> | undefined,
  ): void {
    if (!byLevel) return;
    if (!this.scratch) {
      const c = document.createElement('canvas');
      c.width = 1;
      c.height = 1;
      this.scratch = c.getContext('2d');
    }
    for (const layers of Object.values(byLevel))
      for (const layer of layers ?? []) if (layer.canvas) this.scratch?.drawImage(layer.canvas, 0, 0, 1, 1);
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
        getCachedZSortedEles?: (forceRecalc?: boolean) => unknown;
        getPixelRatio?: () => number;
        textureOnViewport?: boolean;
        data?: {
          lyrTxrCache?: {
            firstGet?: boolean;
            skipping?: boolean;
            getLayers?: (eles: unknown[], pxRatio: number) => unknown[] | null;
            dequeue?: (pxRatio: number) => unknown[];
            layersQueue?: { size?: () => number };
            levelIsComplete?: (lvl: number, eles: unknown[]) => boolean;
            layersByLevel?: Record<string, Array<{ canvas?: CanvasImageSource }> | undefined>;
          };
        };
      }
    | undefined {
    return (this.cy as unknown as { renderer?: () => Record<string, never> }).renderer?.();
  }

  /** The zoom and pan that fit these model positions in the canvas (zoom at most 1.4). */
  private fitViewport(points: Array<{ x: number; y: number }>): Viewport | null {
    if (!points.length) return null;
    let [x1, x2, y1, y2] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const p of points) {
      x1 = Math.min(x1, p.x);
      x2 = Math.max(x2, p.x);
      y1 = Math.min(y1, p.y);
      y2 = Math.max(y2, p.y);
    }
    const w = this.cy.width() || 800;
    const h = this.cy.height() || 600;
    const zoom = Math.min(1.4, Math.max(0.02, Math.min((w - 60) / (x2 - x1 + 1), (h - 60) / (y2 - y1 + 1))));
    return { zoom, pan: { x: w / 2 - zoom * ((x1 + x2) / 2), y: h / 2 - zoom * ((y1 + y2) / 2) } };
  }

  /** The model-coordinate extent a viewport shows (cy.extent() of that viewport). */
  private extentOf(vp: Viewport): Extent {
    const w = this.cy.width() || 800;
    const h = this.cy.height() || 600;
    const x1 = -vp.pan.x / vp.zoom;
    const y1 = -vp.pan.y / vp.zoom;
    return { x1, y1, x2: x1 + w / vp.zoom, y2: y1 + h / vp.zoom, w: w / vp.zoom, h: h / vp.zoom };
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
