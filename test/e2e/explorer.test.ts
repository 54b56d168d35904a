/**
 * The explorer in real headless Chromium against the real `permgraph serve` and the test
 * Neo4j: a fixture estate (planted AWS escalation paths) scanned twice through the CLI, so
 * the second scan brings new findings. Sign in, search, expand, paths to tier zero, a saved
 * query with parameters, a finding with its path, URL state, keyboard, dark theme.
 * Screenshots go to test/e2e/artifacts/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaBody, serveStatic, syntheticElements } from '../../bench/explorer.js';
import { ids, plantedSnapshot } from '../fixtures/aws/planted.js';
import {
  chromiumAvailable,
  launchBrowser,
  type ServeProcess,
  screenshot,
  startServe,
} from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { cliEnv, resetGraph, testGraph } from '../helpers/graph.js';

const A = '111111111111';
const CARL = ids.user(A, 'chain-carl');
const JOINER = ids.user(A, 'joiner');
const hasChromium = chromiumAvailable();

/** The few browser globals the page-side callbacks use (the test itself compiles without DOM types). */
type Win = {
  sessionStorage: { getItem(k: string): string | null };
  document: {
    activeElement: { getAttribute(n: string): string | null } | null;
    documentElement: { dataset: Record<string, string | undefined> };
  };
  location: { hash: string };
};

/** Canvas size as the page sees it. */
const canvasSize = (page: Page) =>
  page.evaluate(() => {
    const app = (
      globalThis as unknown as { permgraphApp?: { canvas: { size: { nodes: number; edges: number } } } }
    ).permgraphApp;
    return app ? app.canvas.size : { nodes: 0, edges: 0 };
  });

describe.skipIf(!hasChromium)('explorer in Chromium against permgraph serve', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let token: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const graph = testGraph();
    await resetGraph(graph);
    await graph.close();
    const env = cliEnv();
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-e2e-'));
    // Scan 1 without the "joiner" user, scan 2 with it: its findings are new since the last scan.
    const full = plantedSnapshot();
    const first = {
      ...full,
      scanId: 'e2e-scan-1',
      nodes: full.nodes.filter((n) => !n.id.startsWith(JOINER)),
      edges: full.edges.filter((e) => !e.source.startsWith(JOINER) && !e.target.startsWith(JOINER)),
    };
    const f1 = path.join(dir, 'scan-1.json');
    const f2 = path.join(dir, 'scan-2.json');
    writeFileSync(f1, JSON.stringify(first));
    writeFileSync(f2, JSON.stringify({ ...full, scanId: 'e2e-scan-2' }));
    for (const f of [f1, f2]) {
      const r = runCli(['scan', f, '--no-reports', '--json'], env);
      expect(r.code, `scan ${f}: ${r.stderr.slice(-2000)}`).toBe(0);
    }
    const t = runCli(['token', 'create', '--role', 'analyst', '--name', 'e2e', '--json'], env);
    expect(t.code, t.stderr).toBe(0);
    token = JSON.parse(t.stdout).token;
    serve = await startServe(env);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('refuses a wrong token and signs in with a real one', async () => {
    await page.goto(`${serve.url}/`);
    await page.getByTestId('token').fill('pg_not-a-real-token');
    await page.getByTestId('signin').click();
    await expect.poll(() => page.getByTestId('signin-error').textContent()).toMatch(/not valid/);
    await screenshot(page, '01-signin-rejected');
    await page.getByTestId('token').fill(token);
    await page.getByTestId('signin').click();
    await page.getByTestId('nav-explore').waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as Win).sessionStorage.getItem('permgraph.token')),
    ).toBe(token);
    expect(page.url()).not.toContain(token);
  });

  it('searches with suggestions (keyboard) and opens the node with its details', async () => {
    await page.keyboard.press('/');
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as Win).document.activeElement?.getAttribute('data-testid'),
      ),
    ).toBe('search');
    await page.keyboard.type('chain-c');
    const list = page.getByTestId('search-list');
    await list.getByText('chain-carl').waitFor();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('details-title').textContent(), { timeout: 30_000 })
      .toBe('chain-carl');
    await expect.poll(async () => (await canvasSize(page)).nodes).toBeGreaterThan(1);
    const details = await page.getByTestId('details').textContent();
    expect(details).toContain('AWSUser');
    expect(details).toContain(A);
    expect(details).toContain('Granted vs used');
    expect(page.url()).toContain(`node=${encodeURIComponent(CARL)}`);
    await screenshot(page, '02-search-node-details');
  });

  it('expands neighbours by relationship type', async () => {
    const chips = page.getByTestId('expand-types').locator('button');
    await chips.first().waitFor({ timeout: 30_000 });
    const types = await chips.allTextContents();
    expect(types.some((t) => t.startsWith('AWS_ASSUME_ROLE'))).toBe(true);
    // Expand hop1 (carl's assume-role target) by all its relationships.
    await page.evaluate(
      (id) =>
        (
          globalThis as unknown as { permgraphApp: { expand(id: string, t: string[]): Promise<void> } }
        ).permgraphApp.expand(id, []),
      ids.role(A, 'hop1'),
    );
    const before = (await canvasSize(page)).nodes;
    await page
      .getByTestId('expand-types')
      .getByText(/^CAN_ACCESS|^AWS_HAS_POLICY|^AWS_CONTAINS/)
      .first()
      .click();
    await expect
      .poll(async () => (await canvasSize(page)).nodes, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(before);
    expect(page.url()).toContain('x=');
    await screenshot(page, '03-expanded');
  });

  it('shows paths to tier zero with technique and granting policy per hop', async () => {
    await page.evaluate(() => {
      (globalThis as unknown as Win).location.hash = '#/explore';
    });
    await page.getByTestId('search').fill('chain-carl');
    await page.getByTestId('search-list').getByText('chain-carl').click();
    await page.getByTestId('paths-to-t0').click();
    const list = page.getByTestId('path-list');
    await list.locator('li').first().waitFor({ timeout: 60_000 });
    const hops = await page.getByTestId('hops').textContent();
    expect(hops).toContain('chain-carl');
    expect(hops).toMatch(/AWS_ASSUME_ROLE/);
    expect(await page.getByTestId('hop-technique').first().textContent()).toMatch(/\w+-\d+/);
    // The hop table in the bottom panel has the granting statements.
    expect(await page.getByTestId('results-table').textContent()).toMatch(/policy/i);
    expect(page.url()).toMatch(/#\/paths\?from=.*t0=1/);
    await screenshot(page, '04-paths-to-tier-zero');
  });

  it('reopens the same view from its URL', async () => {
    const url = page.url();
    await page.goto('about:blank');
    await page.goto(url);
    await page.getByTestId('path-list').locator('li').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('hops').textContent()).toContain('chain-carl');
  });

  it('runs a saved query with parameters: graph in the canvas, rows in the table, CSV export', async () => {
    await page.getByTestId('nav-queries').click();
    const list = page.getByTestId('query-list');
    await list.locator('[data-query="shortest-path-from"]').click();
    const form = page.getByTestId('query-form');
    await form.locator('input[name="from"]').fill(CARL);
    await page.getByTestId('query-run').click();
    await expect
      .poll(() => page.getByTestId('query-status').textContent(), { timeout: 60_000 })
      .toMatch(/rows/);
    expect(await page.getByTestId('query-status').textContent()).not.toMatch(/^0 rows/);
    await expect.poll(async () => (await canvasSize(page)).nodes).toBeGreaterThan(1);
    expect(page.url()).toContain('id=shortest-path-from');
    await screenshot(page, '05-saved-query-graph');
    await list.locator('[data-query="tier-zero-inventory"]').click();
    await page.getByTestId('query-run').click();
    await page
      .getByTestId('bottom')
      .getByText(/^tier-zero-inventory: \d+ rows/)
      .waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('results-table').locator('tbody tr').count()).toBeGreaterThan(0);
    const download = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const d = await download;
    expect(d.suggestedFilename()).toBe('tier-zero-inventory.csv');
    await screenshot(page, '06-saved-query-table');
  });

  it('runs read-only Cypher and shows the server refusing a write', async () => {
    await page.getByTestId('nav-cypher').click();
    await page
      .getByTestId('cypher-text')
      .fill('MATCH (u:AWSUser) RETURN u.name AS name ORDER BY name LIMIT 5');
    await page.getByTestId('cypher-run').click();
    await expect
      .poll(() => page.getByTestId('cypher-status').textContent(), { timeout: 60_000 })
      .toMatch(/5 rows/);
    await page.getByTestId('cypher-text').fill("CREATE (n:Entity {id: 'x'}) RETURN n");
    await page.getByTestId('cypher-run').click();
    await expect
      .poll(() => page.getByTestId('cypher-status').textContent(), { timeout: 60_000 })
      .toMatch(/[A-Z_]{4,}/);
    expect(await page.getByTestId('cypher-status').locator('.error').count()).toBe(1);
  });

  it('lists findings by severity, highlights new ones and shows a finding path', async () => {
    await page.getByTestId('nav-findings').click();
    const list = page.getByTestId('finding-list');
    await list.locator('li').first().waitFor({ timeout: 60_000 });
    const newOnes = list.locator('li.is-new');
    expect(await newOnes.count()).toBeGreaterThan(0);
    expect(await newOnes.first().textContent()).toContain('joiner');
    await newOnes.first().click();
    await page.getByTestId('finding-title').waitFor();
    await page.getByTestId('finding-show-path').click();
    const onCanvas = (id: string) =>
      page.evaluate(
        (nid) =>
          (
            globalThis as unknown as { permgraphApp: { canvas: { hasNode(id: string): boolean } } }
          ).permgraphApp.canvas.hasNode(nid),
        id,
      );
    await expect.poll(() => onCanvas(JOINER), { timeout: 60_000 }).toBe(true);
    expect(await onCanvas(ids.group(A, 'admins'))).toBe(true);
    // The new elements are known at once, the previous view leaves the canvas once the layout
    // is back from the worker (on a loaded machine, a moment later).
    await expect.poll(() => onCanvas(CARL), { timeout: 30_000 }).toBe(false);
    expect(page.url()).toContain('f=');
    await screenshot(page, '07-finding-path');
  });

  it('shows PCI per account and reads well in the dark theme', async () => {
    await page.getByTestId('nav-pci').click();
    await page.getByTestId('pci-list').locator('li').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('pci-list').textContent()).toContain(A);
    await screenshot(page, '08-pci');
    await page.getByTestId('theme').click();
    expect(
      await page.evaluate(() => (globalThis as unknown as Win).document.documentElement.dataset.theme),
    ).toBe('dark');
    await page.getByTestId('nav-paths').click();
    await page.getByTestId('path-from').fill('chain-carl');
    await page.getByTestId('path-from-list').getByText('chain-carl').click();
    await page.getByTestId('path-run').click();
    await page.getByTestId('path-list').locator('li').first().waitFor({ timeout: 60_000 });
    await screenshot(page, '09-dark-paths');
    await page.keyboard.press('Escape');
    expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});

describe.skipIf(!hasChromium)('explorer with a large result (test hook, no API)', () => {
  let server: { url: string; close: () => Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    server = await serveStatic();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws 1,200 nodes at worker-computed positions without labels, then labels the nodes in view when zoomed in', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => 'permgraphTest' in globalThis);
    type Hook = {
      permgraphTest: {
        render(
          e: unknown,
          l: string,
          s: unknown,
        ): Promise<{
          nodes: number;
          edges: number;
          aggregated: boolean;
          layered: number;
          paintedFromLayers: boolean;
        }>;
        canvas(): {
          labelInView(): Promise<number>;
          cy: {
            nodes(sel?: string): { length: number; map<T>(f: (n: NodeLike) => T): T[] };
            zoom(z?: number): number;
            extent(): { x1: number; x2: number; y1: number; y2: number; w: number; h: number };
            center(): void;
          };
        };
      };
    };
    type NodeLike = { position(): { x: number; y: number }; hasClass(c: string): boolean };
    const stats = await page.evaluate(
      ({ els, schema }) => (globalThis as unknown as Hook).permgraphTest.render(els, 'overview', schema),
      { els: syntheticElements(1200), schema: schemaBody() },
    );
    expect(stats).toMatchObject({ nodes: 1200, aggregated: false });
    expect(stats.edges).toBeGreaterThan(2000);
    // Every element went into Cytoscape's layer bitmap in slices before the first frame, and
    // that frame drew the bitmap (not 3,000 elements one by one: one long task).
    expect(stats.layered).toBe(stats.nodes + stats.edges);
    expect(stats.paintedFromLayers).toBe(true);
    const zoomedOut = await page.evaluate(() => {
      const cy = (globalThis as unknown as Hook).permgraphTest.canvas().cy;
      const ps = cy.nodes().map((n) => n.position());
      return {
        zoom: cy.zoom(),
        labelled: cy.nodes('.lbl').length,
        distinct: new Set(ps.map((p) => `${Math.round(p.x)},${Math.round(p.y)}`)).size,
        // The provisional grid before a layout has every node on a multiple of 70 px.
        onGrid: ps.filter((p) => p.x % 70 === 0 && p.y % 70 === 0).length,
      };
    });
    // Fitted far out: no labels drawn (and none measured) for the first paint.
    expect(zoomedOut.zoom).toBeLessThan(7 / 11);
    expect(zoomedOut.labelled).toBe(0);
    // Positions come from the layout worker: all distinct, not the provisional grid.
    expect(zoomedOut.distinct).toBe(1200);
    expect(zoomedOut.onGrid).toBeLessThan(50);
    await screenshot(page, '10-large-result');

    const zoomedIn = await page.evaluate(async () => {
      const canvas = (globalThis as unknown as Hook).permgraphTest.canvas();
      canvas.cy.zoom(1.2);
      canvas.cy.center();
      await canvas.labelInView();
      const ext = canvas.cy.extent();
      const labelled = canvas.cy.nodes('.lbl').map((n) => n.position());
      const far = labelled.filter(
        (p) =>
          p.x < ext.x1 - ext.w / 2 ||
          p.x > ext.x2 + ext.w / 2 ||
          p.y < ext.y1 - ext.h / 2 ||
          p.y > ext.y2 + ext.h / 2,
      );
      return { labelled: labelled.length, far: far.length };
    });
    // The nodes around the view got their labels, the rest of the graph did not.
    expect(zoomedIn.labelled).toBeGreaterThan(20);
    expect(zoomedIn.labelled).toBeLessThan(1200);
    expect(zoomedIn.far).toBe(0);
    await screenshot(page, '11-large-result-zoomed');
    expect(errors).toEqual([]);
    await page.close();
  });
});
