// The live dashboard in headless Chromium (Debian's chromium package, driven by playwright-core):
// the page loads, every chart fills with data while traffic flows, and a screenshot is saved to
// test-artifacts/sample-app-dashboard.png for people to look at.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport, RunResult } from '../../sample-app/load/load-report.js';
import { startShop, TempDir, type InProcessShop } from './support/shop-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SCREENSHOT = join(ARTIFACTS, 'sample-app-dashboard.png');

let dir: TempDir;
let shop: InProcessShop;
let baseUrl: string;
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  dir = new TempDir();
  const lastLoadFile = dir.file('last-load.json');
  writeFileSync(lastLoadFile, JSON.stringify(RECORDED));
  shop = await startShop(dir.file('shop.db'), { lastLoadFile });
  baseUrl = `http://127.0.0.1:${(shop.app.getHttpServer().address() as { port: number }).port}`;
  // A new, empty profile each run; Playwright takes it as the persistent context's directory.
  profile = mkdtempSync(join(tmpdir(), 'shop-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await shop?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  dir?.dispose();
});

/** A comparison as `npm run load` records it (sample-app/data/last-load.json). */
const run = (label: RunResult['label'], requestsPerSecond: number, p99: number): RunResult => ({
  label,
  requestsPerSecond,
  p50: p99 / 4,
  p99,
  requests: requestsPerSecond * 20,
  unexpected: 0,
  queries: requestsPerSecond * 4,
  databaseMs: requestsPerSecond * 40,
  lookups: requestsPerSecond * 20,
  hitRatio: 0.9,
  loadAverage: 1.5,
});
const RECORDED: LoadReport = {
  recordedAt: '2026-11-29T18:00:00.000Z',
  machine: '2 x test CPU, 24 GiB, Node v20.20.2',
  settings: { duration: 20, warmup: 60, warmupRequests: 100_000, connections: 16, poolMax: 10 },
  targets: [
    {
      target: 'postgres-latency',
      title: 'PostgreSQL on this machine, DB_LATENCY_MS=1',
      dbLatencyMs: 1,
      runs: [run('cache on', 1200, 40), run('cache off', 300, 200)],
    },
  ],
};

/** Shop traffic until stopped: reads of a few popular products and listings, some orders. */
function trafficUntil(stop: { done: boolean }): Promise<void> {
  return (async () => {
    for (let i = 0; !stop.done; i++) {
      const id = 1 + (i % 7);
      await Promise.all([
        fetch(`${baseUrl}/products/${id}`),
        fetch(`${baseUrl}/products/${id}/card`),
        fetch(`${baseUrl}/categories/audio/products?page=${1 + (i % 3)}`),
        fetch(`${baseUrl}/products/${id}/stock`),
        i % 5 === 0
          ? fetch(`${baseUrl}/orders`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ productId: 100 + (i % 50) }),
            })
          : undefined,
      ]);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  })();
}

describe('dashboard in a browser', () => {
  it('renders every chart with live data', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    const response = await page.goto(`${baseUrl}/dashboard?every=300`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Sample shop · cache dashboard');

    const stop = { done: false };
    const traffic = trafficUntil(stop);
    try {
      const points = (chart: string, series: string) =>
        `Number(document.querySelector('svg[data-chart="${chart}"] path[data-series="${series}"]')?.dataset.points ?? 0)`;
      await page.waitForFunction(
        `${points('hit-ratio', 'overall')} >= 4 &&
         ${points('hit-ratio', 'ProductsController#findOne')} >= 2 &&
         ${points('keyspace-ratio', 'keyspace')} >= 2 &&
         ${points('db-qps', 'with-cache')} >= 4 &&
         ${points('db-qps', 'without-cache')} >= 4 &&
         ${points('write-behind', 'depth')} >= 4 &&
         document.querySelectorAll('svg[data-chart="handler-ratio"] rect.bar').length >= 4 &&
         Number(document.querySelector('rect.bar[data-handler="ProductsController#findOne"]')?.getAttribute('data-ratio') ?? 0) > 0.5`,
        undefined,
        // On busy cores the traffic loop is slow: wait for the pages to be read again, not for a time.
        { timeout: 30_000, polling: 100 },
      );
    } finally {
      stop.done = true;
      await traffic;
    }

    // The numbers on the page are the shop's: the per-handler bars carry the ratios /cache/stats has.
    const bars = await page.$$eval('svg[data-chart="handler-ratio"] rect.bar', (rects) =>
      rects.map((rect) => [
        rect.getAttribute('data-handler'),
        Number(rect.getAttribute('data-ratio')),
      ]),
    );
    const handlers = Object.fromEntries(bars) as Record<string, number>;
    expect(Object.keys(handlers)).toEqual(
      expect.arrayContaining([
        'ProductsController#findOne',
        'ProductsController#card',
        'ProductsController#listCategory',
        'InventoryController#stock',
      ]),
    );
    expect(handlers['ProductsController#findOne']).toBeGreaterThan(0.5);
    await expect(page.textContent('#tile-hit')).resolves.toMatch(/^\d{1,3}\.\d%$/);
    await expect(page.textContent('#pill-redis')).resolves.toBe('Redis up');
    await expect(page.textContent('#tile-keyspace')).resolves.toMatch(/%$/);

    // Hot keys and big keys are the library's: the product pages read most are on top.
    const tableRows = (id: string) =>
      page.$$eval(`#${id} tr`, (trs) =>
        trs.slice(1).map((tr) => [...tr.children].map((cell) => cell.textContent ?? '')),
      );
    const hot = await tableRows('hot-keys');
    // Sampled (one read in 32): a few seconds of traffic name a few keys.
    expect(hot.length).toBeGreaterThanOrEqual(2);
    expect(hot.slice(0, 10).map(([key]) => key)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(product|card|stock|category):/)]),
    );
    expect(hot[0][2]).toMatch(/^\d{1,3}\.\d%$/);
    const big = await tableRows('big-keys');
    expect(big.length).toBeGreaterThanOrEqual(3);
    expect(big[0][1]).toMatch(/\d( B| KiB| MiB)$/);
    expect(big.some(([, , , writer]) => /\.|#/.test(writer))).toBe(true);
    // Redis's memory, read at the stats flush (every 5 s by default).
    await page.waitForFunction(
      `document.getElementById('memory-note').textContent.includes('used of')`,
      undefined,
      { timeout: 15_000, polling: 200 },
    );
    await expect(page.textContent('#memory-note')).resolves.toMatch(
      /used of .* keys evicted · \d+ expired$/,
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows the last recorded npm run load side by side', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/dashboard?every=300`);
    const table = page.locator('#last-load-tables table[data-target="postgres-latency"]');
    await table.waitFor({ timeout: 10_000 });
    await expect(table.locator('caption').textContent()).resolves.toBe(
      'PostgreSQL on this machine, DB_LATENCY_MS=1',
    );
    const rows = await table
      .locator('tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent)));
    expect(rows).toContainEqual(['requests/s', '1200', '300', '4.00x']);
    expect(rows).toContainEqual(['latency p99', '40.0 ms', '200.0 ms', '0.20x']);
    await expect(page.textContent('#last-load-note')).resolves.toContain(
      '20 s per run after 60 s of warm-up (cache on: at least 100000 requests)',
    );
    await page.close();
  }, 30_000);

  it('switches the cache off and on at runtime from its button', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/dashboard?every=300`);
    const pillSays = (text: string) =>
      page.waitForFunction(
        `document.getElementById('pill-cache').textContent === ${JSON.stringify(text)}`,
        undefined,
        { timeout: 10_000, polling: 100 },
      );
    const productPage = async () => {
      const before = await shop.queries();
      const response = await fetch(`${baseUrl}/products/33`);
      expect(response.status).toBe(200);
      return { cache: response.headers.get('x-cache'), queries: (await shop.queries()) - before };
    };
    await pillSays('cache on');
    await productPage();
    await expect(productPage()).resolves.toEqual({ cache: 'HIT', queries: 0 });

    await page.click('#toggle-cache');
    await pillSays('cache off');
    try {
      expect((await shop.live()).cache.enabled).toBe(false);
      await expect(page.textContent('#toggle-cache')).resolves.toBe('switch the cache on');
      // Every read goes to the database now, as in the load test's baseline.
      await expect(productPage()).resolves.toEqual({ cache: null, queries: 1 });
      await expect(productPage()).resolves.toEqual({ cache: null, queries: 1 });
    } finally {
      await page.click('#toggle-cache');
      await pillSays('cache on');
    }
    await expect(productPage()).resolves.toEqual({ cache: 'HIT', queries: 0 });
    await page.close();
  }, 30_000);
});
