/**
 * The digit pad: a canvas to draw on with the mouse, a finger or a pen (pointer events), and the
 * conversion of the drawing into an MNIST-like 28×28 image: the ink's bounding box scaled to fit
 * 20×20 pixels, then placed so that its centre of mass is at the centre of the 28×28 frame (how
 * the MNIST digits were normalised, LeCun et al. 1998).
 */

/** A drawing pad on `canvas`; `onChange` runs after every stroke. */
export interface DigitPad {
  /** Erase the drawing. */
  clear(): void;
  /** The drawing as 784 grey levels in [0, 1] (row-major 28×28), or null when nothing is drawn. */
  toMnist(): Float32Array | null;
}

const INK = 'white';

/** Attach a drawing pad to `canvas` (black background, thick white strokes). */
export function createDigitPad(canvas: HTMLCanvasElement, onChange: () => void): DigitPad {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * canvas.width) / r.width,
      y: ((e.clientY - r.top) * canvas.height) / r.height,
    };
  };
  const line = (a: { x: number; y: number }, b: { x: number; y: number }) => {
    ctx.strokeStyle = INK;
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    line(last, last);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    line(last, p);
    last = p;
  });
  const end = () => {
    if (!last) return;
    last = null;
    onChange();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  return { clear, toMnist: () => toMnist(ctx) };
}

/** The drawing in `ctx` as an MNIST-like image (see the module comment), or null if blank. */
function toMnist(ctx: CanvasRenderingContext2D): Float32Array | null {
  const { width, height } = ctx.canvas;
  const px = ctx.getImageData(0, 0, width, height).data;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (px[(y * width + x) * 4] > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const s = 20 / Math.max(bw, bh);
  // the ink scaled into a 28×28 frame, centred by its bounding box
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sctx = small.getContext('2d', { willReadFrequently: true })!;
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = 'high';
  const place = (dx: number, dy: number) => {
    sctx.fillStyle = 'black';
    sctx.fillRect(0, 0, 28, 28);
    sctx.drawImage(ctx.canvas, x0, y0, bw, bh, dx, dy, bw * s, bh * s);
    const d = sctx.getImageData(0, 0, 28, 28).data;
    return Float32Array.from({ length: 784 }, (_, i) => d[i * 4] / 255);
  };
  const dx = (28 - bw * s) / 2;
  const dy = (28 - bh * s) / 2;
  let img = place(dx, dy);
  // then moved so that its centre of mass is at (14, 14)
  let m = 0;
  let cx = 0;
  let cy = 0;
  img.forEach((v, i) => {
    m += v;
    cx += v * ((i % 28) + 0.5);
    cy += v * (Math.floor(i / 28) + 0.5);
  });
  if (m > 0) img = place(dx + Math.round(14 - cx / m), dy + Math.round(14 - cy / m));
  return img;
}

/** Draw 784 grey levels in [0, 1] into a 28×28 `canvas` (the preview of what the model sees). */
export function showMnist(canvas: HTMLCanvasElement, pixels: Float32Array | null): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = Math.round((pixels?.[i] ?? 0) * 255);
    img.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}
