/**
 * Real headless Chromium for the end-to-end tests (Debian `chromium`, driven by
 * playwright-core; never a downloaded browser), and the real `permgraph serve` as a child
 * process. With CI=true a missing Chromium fails the tests instead of skipping them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { BIN } from './cli.js';

export const CHROMIUM_PATH = process.env.PERMGRAPH_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
export const ARTIFACTS = path.resolve('test/e2e/artifacts');

/** True when Chromium is installed; throws under CI=true when it is not (install: apt-get install -y chromium). */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true')
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: the e2e tests need it (apt-get install -y chromium, or set PERMGRAPH_CHROMIUM)`,
    );
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface ServeProcess {
  url: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `permgraph serve --port 0` (built CLI) and waits for the address it prints. */
export function startServe(env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ServeProcess> {
  if (!existsSync(path.resolve('web/dist/index.html')))
    throw new Error('web/dist/index.html is missing: run `npm run build` (it builds the explorer) first');
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: { ...env, PERMGRAPH_API_LOG_LEVEL: 'warn', PERMGRAPH_API_RATE_LIMIT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 20_000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`permgraph serve did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /permgraph API on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!.replace(/\/$/, ''), proc, output: () => out, stop });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`permgraph serve exited with code ${code}:\n${out}`));
    });
  });
}
