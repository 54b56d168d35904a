/**
 * Visual encoding, derived from GET /schema: node colour by provider, shape by the ontology
 * labels of the kind; edge colour and width by category (escalation stands out), dashed when
 * conditional, dotted and faint when unused. Tier-zero nodes get a thick gold ring and a star.
 * Attributes are computed once per element into `data` (`_color`, `_shape`, ...) so the
 * stylesheet stays a handful of mappers, which keeps 2,000-node renders fast.
 */
import type { StylesheetJson } from 'cytoscape';
import type { ElementEdgeData, ElementNodeData, Schema } from '../api/types';

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
}

export class SchemaStyles {
  private readonly kinds = new Map<string, KindVisual>();
  private readonly edgeCategory = new Map<string, string>();
  readonly edgeTypes: string[] = [];

  constructor(schema?: Schema) {
    if (!schema) return;
    for (const k of schema.kinds) {
      const shape = SHAPE_BY_LABEL.find(([label]) => k.labels.includes(label))?.[1] ?? 'ellipse';
      this.kinds.set(k.kind, { color: PROVIDER_COLORS[k.provider] ?? PROVIDER_COLORS.shared!, shape });
    }
    for (const e of schema.edges) {
      this.edgeCategory.set(e.type, e.category);
      this.edgeTypes.push(e.type);
    }
  }

  kind(kind: string, provider: string): KindVisual {
    return (
      this.kinds.get(kind) ?? {
        color: PROVIDER_COLORS[provider] ?? PROVIDER_COLORS.shared!,
        shape: 'ellipse',
      }
    );
  }

  category(type: string, given?: string): string {
    return given || this.edgeCategory.get(type) || 'structural';
  }

  decorateNode(d: ElementNodeData): void {
    const v = this.kind(d.kind, d.provider);
    d._color = v.color;
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

export function stylesheet(p: Palette): StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        'background-color': 'data(_color)',
        shape: 'data(_shape)' as never,
        width: 'data(_size)',
        height: 'data(_size)',
        label: 'data(_label)',
        color: p.text,
        'font-size': 11,
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'text-outline-color': p.textOutline,
        'text-outline-width': 2,
        'min-zoomed-font-size': 7,
        'border-width': 0,
      },
    },
    {
      selector: 'node[?tierZero]',
      style: { 'border-width': 4, 'border-color': p.tierZero, 'font-weight': 'bold' },
    },
    { selector: 'node[?aggregate]', style: { 'border-width': 2, 'border-style': 'double' } },
    {
      selector: 'edge',
      style: {
        width: 'data(_width)',
        'line-color': 'data(_color)',
        'target-arrow-color': 'data(_color)',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.8,
        'curve-style': 'bezier',
        opacity: 0.85,
      },
    },
    {
      selector: 'edge[category = "escalation"]',
      style: {
        label: 'data(_elabel)',
        'font-size': 9,
        color: p.text,
        'text-outline-color': p.textOutline,
        'text-outline-width': 2,
        'text-rotation': 'autorotate',
        'min-zoomed-font-size': 8,
        opacity: 1,
        'z-index': 10,
      },
    },
    {
      // Large overviews: straight, arrowless lines for the many plain edges (much cheaper to draw).
      selector: 'edge.lite',
      style: { 'curve-style': 'haystack', 'haystack-radius': 0, 'target-arrow-shape': 'none', opacity: 0.6 },
    },
    {
      // Large overviews: escalation edges stay coloured and arrowed but straight and unlabelled.
      selector: 'edge.big-esc',
      style: { 'curve-style': 'straight', label: '' },
    },
    { selector: 'edge[?conditional]', style: { 'line-style': 'dashed', 'line-dash-pattern': [6, 4] } },
    { selector: 'edge[?unused]', style: { 'line-style': 'dotted', opacity: 0.45 } },
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
