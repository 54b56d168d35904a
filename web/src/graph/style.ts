/**
 * Visual encoding, derived from GET /schema: node colour by provider, shape by the ontology
 * labels of the kind; edge colour and width by category (escalation stands out), dashed when
 * conditional, dotted and faint when unused. Tier-zero nodes get a thick gold ring and a star.
 * The look is carried by classes computed once per element (nodeClasses, edgeClasses), not
 * by data selectors or mappers: Cytoscape then applies a few plain properties per element
 * (about half the style cost of mappers at 2,000 nodes). Labels are the only mapped property
 * and only on elements with the `lbl` / `elbl` class: large graphs add them to the nodes in
 * view once zoomed in far enough to read them (see GraphCanvas).
 */
import type { StylesheetJson } from 'cytoscape';
import type { ElementEdgeData, ElementNodeData, Schema } from '../api/types.js';

export const PROVIDER_COLORS: Record<string, string> = {
  aws: '#e8870e',
  azure: '#1f77d0',
  gcp: '#2f9e52',
  shared: '#7a7f87',
};
export const CATEGORY_COLORS: Record<string, string> = {
  escalation: '#e0245e',
  effective: '#6b8fb3',
  structural: '#8d96a0',
  aggregate: '#8d96a0',
};

/** Every node shape the stylesheet has a class for. */
export const SHAPES = [
  'round-hexagon',
  'ellipse',
  'octagon',
  'round-rectangle',
  'round-tag',
  'round-diamond',
  'vee',
  'rectangle',
  'barrel',
] as const;

const SHAPE_BY_LABEL: Array<[string, string]> = [
  ['Group', 'round-hexagon'],
  ['Identity', 'ellipse'],
  ['External', 'octagon'],
  ['Scope', 'round-rectangle'],
  ['Policy', 'round-tag'],
  ['RoleDefinition', 'round-diamond'],
  ['Credential', 'vee'],
  ['Principal', 'ellipse'],
  ['Resource', 'rectangle'],
];

export interface KindVisual {
  color: string;
  shape: string;
  /** Key of PROVIDER_COLORS the colour comes from. */
  palette: string;
}

const paletteOf = (provider: string) => (provider in PROVIDER_COLORS ? provider : 'shared');

export class SchemaStyles {
  private readonly kinds = new Map<string, KindVisual>();
  private readonly edgeCategory = new Map<string, string>();
  readonly edgeTypes: string[] = [];

  constructor(schema?: Schema) {
    if (!schema) return;
    for (const k of schema.kinds) {
      const shape = SHAPE_BY_LABEL.find(([label]) => k.labels.includes(label))?.[1] ?? 'ellipse';
      const palette = paletteOf(k.provider);
      this.kinds.set(k.kind, { color: PROVIDER_COLORS[palette]!, shape, palette });
    }
    for (const e of schema.edges) {
      this.edgeCategory.set(e.type, e.category);
      this.edgeTypes.push(e.type);
    }
  }

  kind(kind: string, provider: string): KindVisual {
    return (
      this.kinds.get(kind) ?? {
        color: PROVIDER_COLORS[paletteOf(provider)]!,
        shape: 'ellipse',
        palette: paletteOf(provider),
      }
    );
  }

  category(type: string, given?: string): string {
    return given || this.edgeCategory.get(type) || 'structural';
  }

  decorateNode(d: ElementNodeData): void {
    const v = this.kind(d.kind, d.provider);
    d._color = v.color;
    d._palette = v.palette;
    d._shape = d.aggregate ? 'barrel' : v.shape;
    const label = String(d.label ?? d.id);
    d._label = `${d.tierZero ? '★ ' : ''}${label.length > 32 ? `${label.slice(0, 31)}…` : label}`;
    d._size = d.aggregate ? 40 : d.tierZero ? 34 : 26;
  }

  decorateEdge(d: ElementEdgeData): void {
    const cat = this.category(d.type, d.category);
    d.category = cat;
    d._color = CATEGORY_COLORS[cat] ?? CATEGORY_COLORS.structural!;
    d._width = cat === 'escalation' ? 3.5 : cat === 'effective' ? 1.2 : 1.6;
    d._elabel = `${d.technique ?? d.type}${d.count && (d.count as number) > 1 ? ` ×${d.count}` : ''}`;
  }
}

export interface Palette {
  text: string;
  textOutline: string;
  selected: string;
  tierZero: string;
}

export const THEMES: Record<'light' | 'dark', Palette> = {
  light: { text: '#1d232b', textOutline: '#ffffff', selected: '#7048e8', tierZero: '#c99700' },
  dark: { text: '#e6e9ee', textOutline: '#14171c', selected: '#b197fc', tierZero: '#ffd43b' },
};

/**
 * Classes of a node: palette, shape, tier zero, group, and `lbl` (label drawn) unless the
 * graph is big, where labels come with zooming in.
 */
export function nodeClasses(d: ElementNodeData, big: boolean): string {
  let c = `c-${d._palette ?? 'shared'} s-${d._shape ?? 'ellipse'}`;
  if (d.tierZero) c += ' t0';
  if (d.aggregate) c += ' agg';
  if (!big) c += ' lbl';
  return c;
}

/**
 * Classes of an edge: category, conditional, unused, and the drawing: curved with an arrow
 * (`arrow`, escalation labelled with `elbl`) in normal graphs; in big graphs plain edges are
 * Cytoscape's default straight "haystack" lines without arrow, escalation edges `straight` with
 * their arrow and no label.
 */
export function edgeClasses(d: ElementEdgeData, big: boolean): string {
  const esc = d.category === 'escalation';
  let c = `cat-${d.category ?? 'structural'}`;
  if (d.conditional) c += ' cond';
  if (d.unused) c += ' unused';
  if (!big) c += esc ? ' arrow elbl' : ' arrow';
  else c += esc ? ' straight' : ' lite';
  return c;
}

export function stylesheet(p: Palette): StylesheetJson {
  const esc = CATEGORY_COLORS.escalation!;
  const eff = CATEGORY_COLORS.effective!;
  const str = CATEGORY_COLORS.structural!;
  return [
    {
      selector: 'node',
      style: { width: 26, height: 26, 'background-color': PROVIDER_COLORS.shared!, shape: 'ellipse' },
    },
    ...Object.entries(PROVIDER_COLORS)
      .filter(([k]) => k !== 'shared')
      .map(([k, color]) => ({ selector: `node.c-${k}`, style: { 'background-color': color } })),
    ...SHAPES.filter((s) => s !== 'ellipse').map((s) => ({
      selector: `node.s-${s}`,
      style: { shape: s as never },
    })),
    {
      selector: 'node.lbl',
      style: {
        label: 'data(_label)',
        color: p.text,
        'font-size': 11,
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'text-outline-color': p.textOutline,
        'text-outline-width': 2,
        'min-zoomed-font-size': 7,
      },
    },
    {
      selector: 'node.t0',
      style: { width: 34, height: 34, 'border-width': 4, 'border-color': p.tierZero, 'font-weight': 'bold' },
    },
    { selector: 'node.agg', style: { width: 40, height: 40, 'border-width': 2, 'border-style': 'double' } },
    { selector: 'edge', style: { width: 1.6, 'line-color': str, 'target-arrow-color': str } },
    { selector: 'edge.cat-effective', style: { width: 1.2, 'line-color': eff, 'target-arrow-color': eff } },
    {
      selector: 'edge.arrow',
      style: { 'target-arrow-shape': 'triangle', 'arrow-scale': 0.8, 'curve-style': 'bezier', opacity: 0.85 },
    },
    // Big graphs: plain edges are the default haystack lines, lighter.
    { selector: 'edge.lite', style: { opacity: 0.6 } },
    {
      selector: 'edge.cat-escalation',
      style: {
        width: 3.5,
        'line-color': esc,
        'target-arrow-color': esc,
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.8,
        opacity: 1,
        'z-index': 10,
      },
    },
    { selector: 'edge.straight', style: { 'curve-style': 'straight' } },
    {
      selector: 'edge.elbl',
      style: {
        label: 'data(_elabel)',
        'font-size': 9,
        color: p.text,
        'text-outline-color': p.textOutline,
        'text-outline-width': 2,
        'text-rotation': 'autorotate',
        'min-zoomed-font-size': 8,
      },
    },
    { selector: 'edge.cond', style: { 'line-style': 'dashed', 'line-dash-pattern': [6, 4] } },
    { selector: 'edge.unused', style: { 'line-style': 'dotted', opacity: 0.45 } },
    { selector: '.pg-hidden', style: { display: 'none' } },
    { selector: '.pg-dim', style: { opacity: 0.15 } },
    {
      selector: '.pg-path',
      style: {
        'line-color': p.selected,
        'target-arrow-color': p.selected,
        width: 5,
        opacity: 1,
        'z-index': 20,
      },
    },
    {
      selector: 'node:selected',
      style: { 'overlay-color': p.selected, 'overlay-opacity': 0.25, 'overlay-padding': 6 },
    },
    {
      selector: 'edge:selected',
      style: { 'line-color': p.selected, 'target-arrow-color': p.selected, width: 5 },
    },
  ];
}
