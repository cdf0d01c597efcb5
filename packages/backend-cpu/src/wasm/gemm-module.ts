/**
 * The packed GEMM micro-kernel in WebAssembly SIMD, generated with our module builder.
 *
 * C (mPad × nPad, row-major) = Ã · B̃ where Ã and B̃ are packed panels (GotoBLAS layout,
 * see gemm.ts): for each block of KC steps along k, A is stored as MR-row panels (kc × MR,
 * p-major) and B as NR-column panels (kc × NR, p-major). The loops: k blocks (pc) → MC-row
 * blocks of A (ic, kept in L2) → NR-column panels of B (jr, kept in L1) → MR-row panels of A
 * (ir) → the register-blocked MR × NR micro-kernel (MR·NR/lanes vector accumulators, one splat
 * of A and NR/lanes loads of B per step, mul + add). The first k block stores, later ones add.
 * Accumulation is in the element type (float32 or float64), as BLAS sgemm/dgemm do.
 */
import { addCompactRows, addConvFunction } from './conv-module';
import { ModuleBuilder, type FunctionBuilder, type Local } from './module-builder';
import { advance, declareTile, storeTile, tileStep, zeroTile } from './tile';

/** Shape of the micro-kernel and cache blocks for one element type. */
export interface GemmConfig {
  readonly dtype: 'float32' | 'float64';
  /** Bytes per element (4 or 8). */
  readonly bytes: number;
  /** Lanes per v128 (4 or 2). */
  readonly lanes: number;
  /** Rows of the micro-tile. */
  readonly mr: number;
  /** Columns of the micro-tile (a multiple of lanes). */
  readonly nr: number;
  /** k block. */
  readonly kc: number;
  /** Row block (a multiple of mr). */
  readonly mc: number;
}

/** float32: 4 × 8 tile (8 f32x4 accumulators), k blocks of 256, row blocks of 128. */
export const GEMM_F32: GemmConfig = {
  dtype: 'float32',
  bytes: 4,
  lanes: 4,
  mr: 4,
  nr: 8,
  kc: 256,
  mc: 128,
};
/** float64: 4 × 4 tile (8 f64x2 accumulators), k blocks of 256, row blocks of 64. */
export const GEMM_F64: GemmConfig = {
  dtype: 'float64',
  bytes: 8,
  lanes: 2,
  mr: 4,
  nr: 4,
  kc: 256,
  mc: 64,
};

/** Emits `dst = min(a, b)` for i32 locals/constant b. */
function minInto(f: FunctionBuilder, dst: Local, a: Local, b: Local): void {
  f.get(a).get(b).get(a).get(b).op('i32.lt_s').op('select').set(dst);
}

/**
 * Adds `gemm_<dtype>(aPack, bPack, c, mPad, nPad, k, accumulate, m0, m1)` (byte addresses; mPad
 * a multiple of mr, nPad of nr, k ≥ 1; rows m0 ≤ i < m1, both multiples of mr): rows m0…m1 of
 * C = Ã·B̃, or C += Ã·B̃ when accumulate ≠ 0. Two threads on disjoint row ranges of the same
 * C write disjoint memory.
 */
export function addGemmFunction(m: ModuleBuilder, cfg: GemmConfig): void {
  const { bytes: E, mr, nr, kc: KC, mc: MC } = cfg;
  const params = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;
  m.addFunction(`gemm_${cfg.dtype}`, params, [], (f) => {
    const [aPack, bPack, c, mPad, nPad, k, accumulate, m0, m1] = params.map((_, i) => f.param(i));
    const pc = f.local('i32');
    const kcL = f.local('i32');
    const rest = f.local('i32');
    const kcConst = f.local('i32');
    const mcConst = f.local('i32');
    const aBlk = f.local('i32');
    const bBlk = f.local('i32');
    const ic = f.local('i32');
    const icEnd = f.local('i32');
    const icTop = f.local('i32');
    const jr = f.local('i32');
    const ir = f.local('i32');
    const ap = f.local('i32');
    const bp = f.local('i32');
    const cp = f.local('i32');
    const p = f.local('i32');
    const rowBytes = f.local('i32');
    const tile = declareTile(f, cfg);

    f.i32Const(KC).set(kcConst).i32Const(MC).set(mcConst);
    f.get(nPad).i32Const(E).op('i32.mul').set(rowBytes);
    f.forRange(pc, 0, k, KC, () => {
      f.get(k).get(pc).op('i32.sub').set(rest);
      minInto(f, kcL, rest, kcConst);
      // aBlk = aPack + pc*mPad*E ; bBlk = bPack + pc*nPad*E
      f.get(aPack)
        .get(pc)
        .get(mPad)
        .op('i32.mul')
        .i32Const(E)
        .op('i32.mul')
        .op('i32.add')
        .set(aBlk);
      f.get(bPack).get(pc).get(rowBytes).op('i32.mul').op('i32.add').set(bBlk);
      f.forRange(ic, m0, m1, MC, () => {
        f.get(ic).get(mcConst).op('i32.add').set(icTop);
        minInto(f, icEnd, icTop, m1);
        f.forRange(jr, 0, nPad, nr, () => {
          f.forRange(ir, ic, icEnd, mr, () => {
            // ap = aBlk + ir*kc*E ; bp = bBlk + jr*kc*E ; cp = c + (ir*nPad + jr)*E
            f.get(aBlk).get(ir).get(kcL).op('i32.mul').i32Const(E).op('i32.mul');
            f.op('i32.add').set(ap);
            f.get(bBlk).get(jr).get(kcL).op('i32.mul').i32Const(E).op('i32.mul');
            f.op('i32.add').set(bp);
            f.get(c).get(ir).get(rowBytes).op('i32.mul').op('i32.add');
            f.get(jr).i32Const(E).op('i32.mul').op('i32.add').set(cp);
            zeroTile(f, tile);
            // micro-kernel over the kc steps
            f.forRange(p, 0, kcL, 1, () => {
              tileStep(f, tile, ap, bp);
              advance(f, ap, mr * E);
              advance(f, bp, nr * E);
            });
            // store (first k block, not accumulating) or add into C
            f.get(pc).op('i32.eqz').get(accumulate).op('i32.eqz').op('i32.and');
            f.if();
            storeTile(f, tile, cp, rowBytes, false);
            f.else();
            storeTile(f, tile, cp, rowBytes, true);
            f.end();
          });
        });
      });
    });
  });
}

/**
 * Adds `axpby_<dtype>(c, z, len, alpha, beta)`: c[i] = beta·z[i] + alpha·c[i] over `len`
 * contiguous elements, each product and the sum rounded to the element type (Gemm's epilogue,
 * rounded as the Elemwise nodes it replaces).
 */
export function addAxpbyFunction(m: ModuleBuilder, cfg: GemmConfig): void {
  const { bytes: E, lanes } = cfg;
  const S = cfg.dtype === 'float32' ? 'f32' : 'f64';
  const T = cfg.dtype === 'float32' ? 'f32x4' : 'f64x2';
  m.addFunction(`axpby_${cfg.dtype}`, ['i32', 'i32', 'i32', S, S], [], (f) => {
    const [c, z, len, alpha, beta] = [0, 1, 2, 3, 4].map((i) => f.param(i));
    const i = f.local('i32');
    const vecEnd = f.local('i32');
    const va = f.local('v128');
    const vb = f.local('v128');
    const pc = f.local('i32');
    const pz = f.local('i32');
    f.get(alpha).op(`${T}.splat`).set(va).get(beta).op(`${T}.splat`).set(vb);
    f.get(len).i32Const(-lanes).op('i32.and').set(vecEnd);
    const addr = (base: Local, into: Local) =>
      f.get(base).get(i).i32Const(E).op('i32.mul').op('i32.add').set(into);
    f.forRange(i, 0, vecEnd, lanes, () => {
      addr(c, pc);
      addr(z, pz);
      f.get(pc).get(vb).get(pz).mem('v128.load', 0, 0).op(`${T}.mul`);
      f.get(va).get(pc).mem('v128.load', 0, 0).op(`${T}.mul`).op(`${T}.add`);
      f.mem('v128.store', 0, 0);
    });
    f.forRange(i, vecEnd, len, 1, () => {
      addr(c, pc);
      addr(z, pz);
      f.get(pc).get(beta).get(pz).mem(`${S}.load`).op(`${S}.mul`);
      f.get(alpha).get(pc).mem(`${S}.load`).op(`${S}.mul`).op(`${S}.add`);
      f.mem(`${S}.store`);
    });
  });
}

/**
 * Adds `pack_steps_<vecs>(src, srcStep, dst, steps)` (byte addresses and step): copies `vecs`
 * v128 (16·vecs bytes) from src + p·srcStep to dst + p·16·vecs for p < steps — one panel of a
 * packed operand whose panel rows are adjacent in memory (gemm.ts's packPanels).
 */
export function addPackSteps(m: ModuleBuilder, vecs: number): void {
  m.addFunction(`pack_steps_${vecs}`, ['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [src, srcStep, dst, steps] = [0, 1, 2, 3].map((i) => f.param(i));
    const p = f.local('i32');
    f.forRange(p, 0, steps, 1, () => {
      for (let v = 0; v < vecs; v++)
        f.get(dst)
          .get(src)
          .mem('v128.load', v * 16, 0)
          .mem('v128.store', v * 16, 0);
      advance(f, src, srcStep);
      advance(f, dst, vecs * 16);
    });
  });
}

/** 32-bit lanes `l` of (a, b) (b's lanes are 4–7) as i8x16.shuffle byte indices. */
const lanes32 = (l: readonly number[]) =>
  l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);

/**
 * Adds `pack_gather4_f32(src, rowStride, dst, dstStep, steps)` (bytes): for p < steps, writes
 * the p-th float32 of the 4 rows at src, src + rowStride, … (each contiguous along p) as 4
 * consecutive values at dst + p·dstStep — a 4×4 transpose in registers per 4 steps. Packs
 * panels of an operand whose rows are contiguous along k (a row-major A).
 */
export function addPackGather4(m: ModuleBuilder): void {
  m.addFunction('pack_gather4_f32', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [src, rowStride, dst, dstStep, steps] = [0, 1, 2, 3, 4].map((i) => f.param(i));
    const p = f.local('i32');
    const end4 = f.local('i32');
    const s = [0, 1, 2, 3].map(() => f.local('i32'));
    const r = [0, 1, 2, 3].map(() => f.local('v128'));
    const t = [0, 1, 2, 3].map(() => f.local('v128'));
    const step4 = f.local('i32');
    s.forEach((si, i) => f.get(src).get(rowStride).i32Const(i).op('i32.mul').op('i32.add').set(si));
    f.get(dstStep).i32Const(4).op('i32.mul').set(step4);
    f.get(steps).i32Const(-4).op('i32.and').set(end4);
    const shuf = (a: Local, b: Local, l: number[], into: Local) =>
      f.get(a).get(b).shuffle(lanes32(l)).set(into);
    f.forRange(p, 0, end4, 4, () => {
      r.forEach((ri, i) => {
        f.get(s[i]).mem('v128.load', 0, 0).set(ri);
        advance(f, s[i], 16);
      });
      shuf(r[0], r[1], [0, 4, 1, 5], t[0]);
      shuf(r[0], r[1], [2, 6, 3, 7], t[1]);
      shuf(r[2], r[3], [0, 4, 1, 5], t[2]);
      shuf(r[2], r[3], [2, 6, 3, 7], t[3]);
      // out j (step p + j) = rows' element j
      const outs: [Local, Local, number[]][] = [
        [t[0], t[2], [0, 1, 4, 5]],
        [t[0], t[2], [2, 3, 6, 7]],
        [t[1], t[3], [0, 1, 4, 5]],
        [t[1], t[3], [2, 3, 6, 7]],
      ];
      outs.forEach(([a, b, l], j) => {
        f.get(dst);
        if (j) f.get(dstStep).i32Const(j).op('i32.mul').op('i32.add');
        f.get(a).get(b).shuffle(lanes32(l)).mem('v128.store', 0, 0);
      });
      advance(f, dst, step4);
    });
    f.forRange(p, end4, steps, 1, () => {
      s.forEach((si, i) => {
        f.get(dst)
          .get(si)
          .mem('f32.load')
          .mem('f32.store', 4 * i);
        advance(f, si, 4);
      });
      advance(f, dst, dstStep);
    });
  });
}

/**
 * A module importing `env.memory` (shared, with `maximum` pages, for the GEMM's second
 * thread) with the float32 and float64 GEMM and direct-convolution
 * functions (conv-module.ts), Gemm's epilogue `axpby_<dtype>`, `compact_rows` and the panel
 * copies `pack_steps_1` / `pack_steps_2` / `pack_gather4_f32`.
 */
export function buildGemmModule(
  memory: { shared: boolean; maximum?: number } = { shared: false },
): ModuleBuilder {
  const m = new ModuleBuilder();
  m.importMemory(
    'env',
    'memory',
    memory.shared ? { initial: 1, maximum: memory.maximum, shared: true } : { initial: 1 },
  );
  addGemmFunction(m, GEMM_F32);
  addGemmFunction(m, GEMM_F64);
  addAxpbyFunction(m, GEMM_F32);
  addAxpbyFunction(m, GEMM_F64);
  addConvFunction(m, GEMM_F32);
  addConvFunction(m, GEMM_F64);
  addCompactRows(m);
  addPackSteps(m, 1);
  addPackSteps(m, 2);
  addPackGather4(m);
  return m;
}
