/**
 * The register tile shared by the GEMM and direct-convolution kernels: mr × nr accumulators
 * (mr rows of nr/lanes vectors), updated per step by one splat of each of the mr A values
 * against the nr/lanes B vectors (mul then add: WebAssembly SIMD has no fused multiply-add).
 */
import type { FunctionBuilder, Local } from './module-builder';

/** Shape and element type of a register tile (GemmConfig satisfies it). */
export interface TileShape {
  readonly dtype: 'float32' | 'float64';
  readonly bytes: number;
  readonly lanes: number;
  readonly mr: number;
  readonly nr: number;
}

/** The tile's locals: accumulators acc[r][v], B vectors b[v], the A splat. */
export interface Tile {
  readonly shape: TileShape;
  readonly acc: readonly (readonly Local[])[];
  readonly b: readonly Local[];
  readonly a: Local;
}

/** Declares a tile's locals in `f`. */
export function declareTile(f: FunctionBuilder, shape: TileShape): Tile {
  const nv = shape.nr / shape.lanes;
  const vec = () => Array.from({ length: nv }, () => f.local('v128'));
  return {
    shape,
    acc: Array.from({ length: shape.mr }, vec),
    b: vec(),
    a: f.local('v128'),
  };
}

/** acc ← 0 */
export function zeroTile(f: FunctionBuilder, t: Tile): void {
  for (const row of t.acc) for (const v of row) f.v128Const(new Uint8Array(16)).set(v);
}

/**
 * One step: loads nr values at bPtr (vectors, unaligned) and mr values at aPtr (one splat
 * each), acc[r][v] += a[r] · b[v]. Does not move the pointers.
 */
export function tileStep(f: FunctionBuilder, t: Tile, aPtr: Local, bPtr: Local): void {
  const { dtype, bytes, mr } = t.shape;
  const T = dtype === 'float32' ? 'f32x4' : 'f64x2';
  const splat = dtype === 'float32' ? 'v128.load32_splat' : 'v128.load64_splat';
  t.b.forEach((bv, v) =>
    f
      .get(bPtr)
      .mem('v128.load', v * 16, 0)
      .set(bv),
  );
  for (let r = 0; r < mr; r++) {
    f.get(aPtr)
      .mem(splat, r * bytes)
      .set(t.a);
    t.b.forEach((bv, v) => {
      const acc = t.acc[r]![v]!;
      f.get(acc).get(t.a).get(bv).op(`${T}.mul`).op(`${T}.add`).set(acc);
    });
  }
}

/** ptr += delta (an i32 constant or local). */
export function advance(f: FunctionBuilder, ptr: Local, delta: number | Local): void {
  f.get(ptr);
  if (typeof delta === 'number') f.i32Const(delta);
  else f.get(delta);
  f.op('i32.add').set(ptr);
}

/**
 * Writes the tile to rows at ptr, ptr + rowStride, … (ptr is advanced past the last row):
 * stores the accumulators, or adds them to what is there when `add`.
 */
export function storeTile(
  f: FunctionBuilder,
  t: Tile,
  ptr: Local,
  rowStride: Local,
  add: boolean,
): void {
  const T = t.shape.dtype === 'float32' ? 'f32x4' : 'f64x2';
  for (const row of t.acc) {
    row.forEach((acc, v) => {
      f.get(ptr);
      if (add)
        f.get(ptr)
          .mem('v128.load', v * 16, 0)
          .get(acc)
          .op(`${T}.add`);
      else f.get(acc);
      f.mem('v128.store', v * 16, 0);
    });
    advance(f, ptr, rowStride);
  }
}
