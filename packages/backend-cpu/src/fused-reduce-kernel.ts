/**
 * The CPU kernel of CAReduce. A plain reduction runs reduce-kernel.ts. A fused one (CAReduce
 * with an `elemwise` scalar op, made by the reduce_fusion rewrite) runs a float32 WebAssembly
 * SIMD loop that computes the scalar graph and accumulates (sum / prod in float64 lanes, as the
 * reference; max / min in float32 lanes) without materializing the elementwise result, when the
 * inputs are contiguous or scalars and the reduced axes are the trailing ones; otherwise the
 * generated JS Elemwise loop followed by the plain reduction.
 */
import { NDArray, broadcastShapes, castScalar, shapeSize } from '@theano-ts/tensor';
import { type Apply, applyOp, performNode, scalarOutDtypes } from '@theano-ts/symbolic';
import { makeElemwiseKernel } from './elemwise-codegen';
import { hasWasmSimd } from './wasm';
import { plainReduceKernel } from './reduce-kernel';
import { allocate } from './buffer-pool';
import {
  WASM_MIN_SIZE,
  type WasmLoop,
  loopInputs,
  maskKey,
  runReduce,
  wasmLoop,
  wasmLoopSupports,
} from './wasm-elemwise';

/** The kernel of a CAReduce node: the plain one (reduce-kernel.ts) unless it is fused. */
export function makeCAReduceKernel(
  node: Apply<'CAReduce'>,
): (inputs: readonly NDArray[]) => NDArray[] {
  const { scalarOp, axes, elemwise } = node.op.params;
  if (!elemwise) return plainReduceKernel(node, (x) => performNode(node, [x])[0]);
  // the unfused pair: the Elemwise's JS kernel (it checks broadcasting) then the plain reduction
  const elem = applyOp('Elemwise', { scalarOp: elemwise }, node.inputs);
  const mapKernel = makeElemwiseKernel(elem);
  const red = applyOp('CAReduce', { scalarOp, axes }, [elem.outputs[0]]);
  const reduceUnfused = plainReduceKernel(red, (x) => performNode(red, [x])[0]);
  const unfused = (inputs: readonly NDArray[]) => reduceUnfused(mapKernel(inputs));

  const inDtypes = node.inputs.map((v) => v.dtype);
  if (!wasmLoopSupports(elemwise, inDtypes, scalarOutDtypes(elemwise, inDtypes))) return unfused;
  const ndim = elem.outputs[0].ndim;
  const sorted = [...axes].sort((a, b) => a - b);
  // the reduced axes must be the trailing ones: each output element reduces one contiguous run
  const first = ndim - sorted.length;
  if (!sorted.every((a, i) => a === first + i)) return unfused;
  const dtype = node.outputs[0].dtype;
  const loops = new Map<number, WasmLoop>();
  return (inputs) => {
    const shape = broadcastShapes(...inputs.map((a) => a.shape));
    const n = shapeSize(shape);
    const len = shapeSize(shape.slice(first));
    const ins =
      n >= WASM_MIN_SIZE && len > 0 && hasWasmSimd() && inputs.length <= 30
        ? loopInputs(inputs, n)
        : undefined;
    // the JS path also raises the errors (undeclared broadcasting, empty max / min)
    if (!ins || inputs.some((a) => a.ndim !== shape.length)) return unfused(inputs);
    const key = maskKey(ins);
    let loop = loops.get(key);
    if (!loop) {
      loop = wasmLoop(
        elemwise,
        ins.map((a) => a.scalar),
        scalarOp,
      );
      loops.set(key, loop);
    }
    const rows = n / len;
    const out = allocate(dtype, rows);
    for (let r = 0; r < rows; r++) out[r] = castScalar(runReduce(loop, ins, r * len, len), dtype);
    return [new NDArray(out, shape.slice(0, first), { dtype })];
  };
}
