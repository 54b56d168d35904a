/**
 * Benchmark and test hook: `window.permgraphTest.render(elements, layout)` draws elements on a
 * canvas without the API (used by bench/explorer.ts to time 500 and 2,000-node renders).
 */
import type { GraphElements, Schema } from './api/types';
import { GraphCanvas, type LayoutKind, type RenderStats } from './graph/canvas';
import { SchemaStyles } from './graph/style';
import { h } from './ui/dom';

export interface TestHook {
  /** Creates the canvas (and its layout worker) like the app does at sign-in. */
  mount(schema?: Schema): void;
  /** The hook's canvas, for tests that inspect what was drawn. */
  canvas(): GraphCanvas | null;
  render(els: GraphElements, layout?: LayoutKind, schema?: Schema): Promise<RenderStats>;
}

export function installTestHook(root: HTMLElement): void {
  let canvas: GraphCanvas | null = null;
  const mount = (schema?: Schema): GraphCanvas => {
    if (!canvas) {
      const el = h('div', { class: 'cy bench', 'data-testid': 'bench-canvas' });
      root.replaceChildren(el);
      canvas = new GraphCanvas(el, new SchemaStyles(schema), 'light');
    }
    return canvas;
  };
  const hook: TestHook = {
    mount(schema) {
      mount(schema);
    },
    canvas: () => canvas,
    async render(els, layout = 'overview', schema) {
      canvas = mount(schema);
      if (schema) canvas.setSchemaStyles(new SchemaStyles(schema));
      return canvas.render(els, layout);
    },
  };
  (window as unknown as { permgraphTest: TestHook }).permgraphTest = hook;
}
