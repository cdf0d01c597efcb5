#!/usr/bin/env node
/* global process, console */
// Run a command (e.g. `vitest run`) where headless-gl can create a GL context. On Linux,
// headless-gl needs an X display; without one gpu.js silently falls back to its WebAssembly / CPU
// kernels. So when DISPLAY is unset and `xvfb-run` is installed, run the command under
// `xvfb-run -a` (a virtual framebuffer). Set THEANO_TS_NO_XVFB=1 to run the command as is.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node tools/with-display.mjs <command> [args...]');
  process.exit(2);
}
const onPath = (name) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
const wantsXvfb =
  process.platform === 'linux' && !process.env.DISPLAY && process.env.THEANO_TS_NO_XVFB !== '1';
let cmd = args;
if (wantsXvfb) {
  if (onPath('xvfb-run')) cmd = ['xvfb-run', '-a', ...args];
  else
    console.warn(
      'with-display: no DISPLAY and no xvfb-run: gpu.js will not find a GL context (install xvfb to test on the GPU)',
    );
}
const r = spawnSync(cmd[0], cmd.slice(1), {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (r.error) {
  console.error(`with-display: cannot run ${cmd[0]}: ${r.error.message}`);
  process.exit(1);
}
process.exit(r.status ?? (r.signal ? 1 : 0));
