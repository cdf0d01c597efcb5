import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  HAVE_CHROMIUM,
  REQUIRE_BROWSER,
} from '../../../tools/chromium.mjs';
import type { DemoState } from './main';

/**
 * The demo end to end: Vite builds the page and serves the build (vite preview), Debian's
 * headless Chromium (driven by playwright-core; no browser is downloaded) trains two epochs on
 * the gpu.js backend through the page's controls, and the chart, the loss, the kernel class and
 * a prediction of a digit drawn with the mouse are checked; a screenshot goes to
 * artifacts/browser-demo.png at the repository root (kept by CI). Skipped when no Chromium is
 * installed, unless THEANO_TS_REQUIRE_BROWSER=1 (CI), which makes that a failure.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../../artifacts/browser-demo.png', import.meta.url));
const TRAIN_SIZE = 2000; // the page's default
const BATCH = 100; // the page's default

describe.skipIf(!HAVE_CHROMIUM && !REQUIRE_BROWSER)(
  `the browser demo in headless Chromium (${CHROMIUM})`,
  () => {
    let outDir: string;
    let server: PreviewServer;
    let browser: Browser;
    let page: Page;
    /** Page errors, renderer crashes and console errors, in order (printed when a wait fails). */
    const events: string[] = [];
    const pageErrors: string[] = [];
    const demo = () => page.evaluate(() => (globalThis as unknown as { demo: DemoState }).demo);

    /**
     * Waits until `predicate` holds on the page's `demo` state. On a timeout or a crash it throws
     * with what it waited for, how long, the demo's phase and error, and the page's events, so a
     * CI log says why (a bare Playwright timeout does not).
     */
    async function waitForDemo(
      what: string,
      predicate: (d: DemoState | undefined) => boolean,
      timeout: number,
    ): Promise<void> {
      const t0 = performance.now();
      try {
        // the predicate's source, applied to the page's state (Playwright evaluates a string)
        await page.waitForFunction(`(${predicate.toString()})(globalThis.demo)`, null, {
          timeout,
          polling: 250,
        });
      } catch (e) {
        const state = await demo().catch((err: unknown) => `unreadable: ${String(err)}`);
        const summary =
          typeof state === 'string'
            ? state
            : JSON.stringify({
                phase: state?.phase,
                error: state?.error,
                kernelClass: state?.kernelClass,
                epochs: state?.epochs,
                batches: state?.batchSeconds.length,
                backendLog: state?.backendLog.slice(-10),
              });
        throw new Error(
          `browser demo: waited ${((performance.now() - t0) / 1000).toFixed(1)} s for ${what}: ` +
            `${String((e as Error).message).split('\n')[0]}\n  demo state: ${summary}\n` +
            `  page events: ${events.length ? events.join('\n    ') : 'none'}`,
        );
      }
    }

    beforeAll(async () => {
      const seconds: Record<string, string> = {};
      let t = performance.now();
      const lap = (name: string) => {
        const now = performance.now();
        seconds[name] = ((now - t) / 1000).toFixed(1);
        t = now;
      };
      outDir = mkdtempSync(join(tmpdir(), 'browser-demo-'));
      await build({ root: ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true } });
      lap('vite build');
      server = await preview({
        root: ROOT,
        logLevel: 'error',
        build: { outDir },
        preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
      });
      const url = server.resolvedUrls?.local[0];
      if (!url) throw new Error('vite preview did not report a URL');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      // CI machines are shared and slow: no Playwright action may fail on its 30 s default.
      page.setDefaultTimeout(120_000);
      page.on('pageerror', (e) => {
        pageErrors.push(String(e));
        events.push(`pageerror: ${String(e)}`);
      });
      page.on('crash', () => events.push('the renderer process crashed'));
      page.on('console', (m) => {
        if (m.type() === 'error') events.push(`console.error: ${m.text()} (${m.location().url})`);
      });
      lap('browser start');
      await page.goto(url);
      await waitForDemo(
        'the page to pick its gpu.js kernel class',
        (d) => !!d && d.kernelClass !== '',
        120_000,
      );
      lap('page ready');
      await page.fill('#epochs', '2');
      await page.click('#train');
      await waitForDemo(
        'two epochs of training to end',
        (d) => !!d && ['done', 'error'].includes(d.phase),
        300_000,
      );
      lap('training');
      console.info(`[browser-demo] seconds per phase: ${JSON.stringify(seconds)}`);
    }, 480_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      if (outDir) rmSync(outDir, { recursive: true, force: true });
    });

    it('trains two epochs on gpu.js WebGL2Kernel: the loss falls, the test accuracy is far above chance', async () => {
      const d = await demo();
      expect(d.error).toBeUndefined();
      expect(d.phase).toBe('done');
      expect(pageErrors).toEqual([]);
      expect(d.kernelClass).toBe('WebGL2Kernel');
      expect(d.kernelClassesUsed).toEqual(['WebGL2Kernel']);
      expect(await page.textContent('#kernel-class')).toBe('WebGL2Kernel');
      expect(d.epochs).toHaveLength(2);
      expect(d.epochs[1].loss).toBeLessThan(d.epochs[0].loss);
      // 10 classes: chance is 0.1; the same MLP on the CPU reaches about 0.9 here
      expect(d.epochs[1].valAccuracy).toBeGreaterThan(0.8);
      console.info(
        `[browser-demo] ${d.kernelClass} on ${d.renderer}: 2 epochs of ${TRAIN_SIZE} digits in ${d.trainSeconds.toFixed(1)} s; ` +
          `loss ${d.epochs[0].loss.toFixed(4)} → ${d.epochs[1].loss.toFixed(4)}, test accuracy ${d.epochs[1].valAccuracy.toFixed(4)}; ` +
          `CPU fallbacks: ${d.fallbacks.join(', ') || 'none'}`,
      );
    });

    it('the chart shows one point per minibatch, drawn on its canvas', async () => {
      const d = await demo();
      expect(d.chartPoints).toBe(2 * Math.ceil(TRAIN_SIZE / BATCH));
      // pixels of the loss series' colour (#d62728) on uPlot's canvas
      const lossPixels = await page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('#chart canvas')!;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4)
          if (px[i] > 180 && px[i + 1] < 90 && px[i + 2] < 90 && px[i + 3] > 0) n++;
        return n;
      });
      expect(lossPixels).toBeGreaterThan(200);
    });

    it(
      'a digit drawn with the mouse on the canvas gets a prediction',
      { timeout: 120_000 },
      async () => {
        const box = (await page.locator('#pad').boundingBox())!;
        // a "1": one vertical stroke
        await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
        await page.mouse.down();
        for (let k = 1; k <= 10; k++)
          await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.15 + 0.07 * k));
        await page.mouse.up();
        await waitForDemo(
          'a prediction of the drawn digit',
          (d) => !!d && d.prediction !== null,
          60_000,
        );
        const { prediction } = await demo();
        const p = prediction!.probabilities;
        expect(p).toHaveLength(10);
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        expect(prediction!.digit).toBe(p.indexOf(Math.max(...p)));
        expect(prediction!.digit).toBe(1);
        expect(await page.textContent('#prediction')).toBe('1');
        mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        console.info(`[browser-demo] screenshot: ${SCREENSHOT}`);
      },
    );
  },
);
