/**
 * Direct 2-d convolution (cross-correlation) in WebAssembly SIMD: the GEMM micro-kernel of
 * gemm-module.ts with the B operand read straight from a zero-padded image instead of an
 * im2col matrix ("implicit GEMM"). For unit stride along the width, the `nr` outputs
 * out[o, i, j0 .. j0+nr) of tap (c, a, b) read the consecutive padded pixels
 * x[c, i·sh + a·dh, j0 + b·dw ..], so one tap is one or two v128 loads, shared by `mr` filters.
 *
 * Layouts (elements of the config's type; byte addresses in the parameters):
 * - x: per image `xImg` bytes apart, channels of Hp × Wp padded rows (Wp ≥ owPad + (kw−1)·dw);
 * - w: filter panels of `mr` filters, p-major (tap p = (c·kh + a)·kw + b), `mr` values per tap,
 *   ogPad/mr panels (zero filters past og);
 * - out: per image `oImg` bytes apart, ogPad channels of oh × owPad rows.
 */
import type { GemmConfig } from './gemm-module';
import type { ModuleBuilder } from './module-builder';
import { advance, declareTile, storeTile, tileStep, zeroTile } from './tile';

/**
 * Adds `conv_<dtype>(x, xImg, w, out, oImg, N, cg, Hp, Wp, oh, owPad, kh, kw, sh, dh, dw, ogPad)`.
 */
export function addConvFunction(m: ModuleBuilder, cfg: GemmConfig): void {
  const { bytes: E, mr, nr } = cfg;
  const params = Array.from({ length: 17 }, () => 'i32' as const);
  m.addFunction(`conv_${cfg.dtype}`, params, [], (f) => {
    const [x, xImg, w, out, oImg, N, cg, Hp, Wp, oh, owPad, kh, kw, sh, dh, dw, ogPad] = params.map(
      (_, i) => f.param(i),
    );
    const i32 = () => f.local('i32');
    const [n, o0, i, j0, c, a, b] = [i32(), i32(), i32(), i32(), i32(), i32(), i32()];
    const [xn, on, wq, rowAddr, tapAddr, op, K, dwBytes, rowStep, chanBytes, oRow] = [
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
    ];
    const tile = declareTile(f, cfg);

    f.get(cg).get(kh).op('i32.mul').get(kw).op('i32.mul').set(K);
    f.get(dw).i32Const(E).op('i32.mul').set(dwBytes);
    f.get(dh).get(Wp).op('i32.mul').i32Const(E).op('i32.mul').set(rowStep); // a → a+1
    f.get(Hp).get(Wp).op('i32.mul').i32Const(E).op('i32.mul').set(chanBytes); // c → c+1
    f.get(oh).get(owPad).op('i32.mul').i32Const(E).op('i32.mul').set(oRow); // o → o+1
    f.forRange(n, 0, N, 1, () => {
      f.get(x).get(n).get(xImg).op('i32.mul').op('i32.add').set(xn);
      f.get(out).get(n).get(oImg).op('i32.mul').op('i32.add').set(on);
      f.forRange(o0, 0, ogPad, mr, () => {
        f.forRange(i, 0, oh, 1, () => {
          f.forRange(j0, 0, owPad, nr, () => {
            zeroTile(f, tile);
            // wq = w + o0·K·E (panel o0/mr, tap 0)
            f.get(w).get(o0).get(K).op('i32.mul').i32Const(E).op('i32.mul').op('i32.add').set(wq);
            f.forRange(c, 0, cg, 1, () => {
              // rowAddr = xn + c·chan + (i·sh·Wp + j0)·E
              f.get(xn).get(c).get(chanBytes).op('i32.mul').op('i32.add');
              f.get(i).get(sh).op('i32.mul').get(Wp).op('i32.mul').get(j0).op('i32.add');
              f.i32Const(E).op('i32.mul').op('i32.add').set(rowAddr);
              f.forRange(a, 0, kh, 1, () => {
                f.get(rowAddr).set(tapAddr);
                f.forRange(b, 0, kw, 1, () => {
                  tileStep(f, tile, wq, tapAddr);
                  advance(f, wq, mr * E);
                  advance(f, tapAddr, dwBytes);
                });
                f.get(rowAddr).get(rowStep).op('i32.add').set(rowAddr);
              });
            });
            // op = on + o0·oRow + (i·owPad + j0)·E
            f.get(on).get(o0).get(oRow).op('i32.mul').op('i32.add');
            f.get(i).get(owPad).op('i32.mul').get(j0).op('i32.add').i32Const(E).op('i32.mul');
            f.op('i32.add').set(op);
            storeTile(f, tile, op, oRow, false);
          });
        });
      });
    });
  });
}

/**
 * Adds `compact_rows(base, rows, srcRowBytes, dstRowBytes)`: moves row r from
 * base + r·srcRowBytes to base + r·dstRowBytes (dst ≤ src, ascending, so in place is safe).
 */
export function addCompactRows(m: ModuleBuilder): void {
  m.addFunction('compact_rows', ['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [base, rows, src, dst] = [0, 1, 2, 3].map((i) => f.param(i));
    const r = f.local('i32');
    f.forRange(r, 0, rows, 1, () => {
      f.get(base).get(r).get(dst).op('i32.mul').op('i32.add');
      f.get(base).get(r).get(src).op('i32.mul').op('i32.add');
      f.get(dst).memoryCopy();
    });
  });
}
