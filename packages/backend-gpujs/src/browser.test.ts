import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  HAVE_CHROMIUM,
  REQUIRE_BROWSER,
} from '../../../tools/chromium.mjs';

/**
 * The backend in headless Chromium (Debian's `chromium`, driven by playwright-core): gpu.js must
 * pick WebGL2Kernel there, and the conformance cases must pass. Skipped when no Chromium is
 * installed, unless THEANO_TS_REQUIRE_BROWSER=1 (CI), which makes that a failure.
 */

interface PageResult {
  error?: string;
  kernelClass: string;
  kernelClassesUsed: string[];
  renderer: string;
  softmax: number[];
  results: { name: string; error: string }[];
  ms: number;
}

describe.skipIf(!HAVE_CHROMIUM && !REQUIRE_BROWSER)(`in headless Chromium (${CHROMIUM})`, () => {
  let server: Server;
  let browser: Browser;
  let result: PageResult;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@theano-ts/source'],
      external: ['node:fs', 'fs', 'gl'],
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0].text;
    const html =
      '<!doctype html><meta charset="utf-8"><title>theano-ts gpujs</title><script src="/page.js"></script>';
    server = createServer((req, res) => {
      if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'commit' });
    await page.waitForFunction(
      () => (globalThis as unknown as { theanoResult?: unknown }).theanoResult !== undefined,
      null,
      { timeout: 0 },
    );
    result = (await page.evaluate(
      () => (globalThis as unknown as { theanoResult: Promise<unknown> }).theanoResult,
    )) as PageResult;
    if (errors.length && !result) throw new Error(errors.join('\n'));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  it('gpu.js runs WebGL2Kernel, and a compiled function gives the CPU values', () => {
    expect(result.error).toBeUndefined();
    expect(result.kernelClass).toBe('WebGL2Kernel');
    expect(result.kernelClassesUsed).toEqual(['WebGL2Kernel']);
    // softmax(relu(x·w + 0.25)) for x = [[1,2,3],[-1,0,1]], w = [[1,-1],[0.5,2],[0,-0.5]]
    const logits = [
      [Math.max(0, 1 + 1 + 0 + 0.25), Math.max(0, -1 + 4 - 1.5 + 0.25)],
      [Math.max(0, -1 + 0 + 0 + 0.25), Math.max(0, 1 + 0 - 0.5 + 0.25)],
    ];
    const want = logits.flatMap(([a, b]) => {
      const m = Math.max(a, b);
      const s = Math.exp(a - m) + Math.exp(b - m);
      return [Math.exp(a - m) / s, Math.exp(b - m) / s];
    });
    result.softmax.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    console.info(
      `[backend-gpujs] Chromium: ${result.kernelClass} on ${result.renderer}; ${result.results.length} conformance cases in ${Math.round(result.ms)} ms`,
    );
  });

  it('the conformance cases pass in the browser (forward and gradient, vs the CPU backend in the page)', () => {
    const bad = result.results.filter((r) => r.error !== '');
    expect(bad).toEqual([]);
    expect(result.results.length).toBeGreaterThan(50);
  });
});
