// Debian's Chromium for the browser tests (driven by playwright-core; no browser is ever
// downloaded): where it is, whether CI requires it, and the flags for a headless run without
// network chatter. Used by packages/backend-gpujs/src/browser.test.ts and
// apps/browser-demo/src/demo.e2e.test.ts.
import { existsSync } from 'node:fs';

/** The executable: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** THEANO_TS_REQUIRE_BROWSER=1 (CI): a missing Chromium is a failure, not a skip. */
export const REQUIRE_BROWSER = process.env.THEANO_TS_REQUIRE_BROWSER === '1';
/** Whether the executable exists. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/**
 * Launch flags: headless, no sandbox (root in CI), no GPU process, no background traffic, and
 * shared memory in /tmp rather than /dev/shm (which containers often cap at 64 MB; a renderer
 * that runs out of it crashes).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
