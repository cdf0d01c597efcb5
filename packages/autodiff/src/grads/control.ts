import {
  type Apply,
  type ControlOpParams,
  type Variable,
  add,
  applyOp,
  cast,
  cloneGraph,
  concatenate,
  dimshuffle,
  eq,
  getItem,
  ifelse,
  incSubtensor,
  minimum,
  mul,
  scan,
  setSubtensor,
  shapeI,
  slice,
  sub,
  sum,
  zerosLike,
} from '@theano-ts/symbolic';
import { isFloat } from '@theano-ts/tensor';
import type { GradRule } from '../grad-rule';
import { grad } from '../grad';

/** `x[from:to]` reversed: the backward loop walks the forward steps from the last one. */
const reversed = (x: Variable, from: Variable, to: Variable): Variable =>
  getItem(getItem(x, slice(from, to)), slice(null, null, -1));

/**
 * Backpropagation through time (Theano's Scan.L_op): the gradient of a Scan is another Scan
 * running the steps backwards. Step t recomputes the forward step from its inputs, then takes
 * the vector-Jacobian product of the inner graph with the gradients of its outputs: each state's
 * output gradient is what the caller gave for that step plus what later steps sent back through
 * their taps. Those pending gradients travel as one backward state per forward state: a window
 * `W_j` of `L_j` rows, row i holding the gradient of the value read by tap `i - L_j` at the
 * current step. Sequences get one gradient row per step; non-sequences the sum over steps.
 * With `truncateGradient = k` only the last k steps are walked (earlier rows get zeros, and so
 * do the initial states unless every step was walked).
 */
function scanGrad(node: Apply<'Scan'>, given: readonly Variable[]): (Variable | null)[] {
  const { info: fwd } = node.op.params;
  // states kept last-only (shared-variable updates): rerun the loop keeping whole buffers, and
  // send their gradient to the last row
  const full = fwd.lastOnly.some(Boolean)
    ? applyOp('Scan', { info: fwd.withFullBuffers() }, node.inputs)
    : node;
  const outGrads = given.map((g, j) =>
    j < fwd.nStates && fwd.lastOnly[j]
      ? setSubtensor(getItem(zerosLike(full.outputs[j]), slice(-1, null)), g)
      : g,
  );
  const { info } = full.op.params;
  const { nSeqs, nStates, nNonSeqs } = info;
  const ins = node.inputs;
  const seqs = ins.slice(1, 1 + nSeqs);
  const inits = ins.slice(1 + nSeqs, 1 + nSeqs + nStates);
  const nonSeqs = ins.slice(1 + nSeqs + nStates);
  const L = info.stateTaps.map((_, j) => info.stateLength(j));
  const bufs = full.outputs.slice(0, nStates);
  const maps = full.outputs.slice(nStates);
  // the number of steps the forward loop ran (fewer than nSteps after an until)
  const n = nStates > 0 ? sub(shapeI(bufs[0], 0), L[0]) : shapeI(maps[0], 0);
  const nb = info.truncateGradient > 0 ? minimum(n, info.truncateGradient) : n;
  const from = sub(n, nb);
  const floatStates = info.stateTaps.flatMap((_, j) => (isFloat(bufs[j].dtype) ? [j] : []));
  const floatMaps = maps.flatMap((m, q) => (isFloat(m.dtype) ? [q] : []));
  const inner = info.innerInputs;
  const floatInner = inner.flatMap((v, i) => (isFloat(v.dtype) ? [i] : []));
  const seqGradIdx = floatInner.filter((i) => i < nSeqs);
  const nsStart = inner.length - nNonSeqs;
  const nsGradIdx = floatInner.filter((i) => i >= nsStart);

  // backward sequences: forward slices, forward state taps, output gradients (all reversed)
  const bSeqs: Variable[] = [
    ...seqs.map((s) => reversed(s, from, n)),
    ...info.stateTaps.flatMap((taps, j) =>
      taps.map((k) => reversed(getItem(bufs[j], slice(L[j] + k, null)), from, n)),
    ),
    ...floatStates.map((j) => reversed(getItem(outGrads[j], slice(L[j], null)), from, n)),
    ...floatMaps.map((q) => reversed(outGrads[nStates + q], from, n)),
  ];
  const nTaps = inner.length - nSeqs - nNonSeqs;
  const wInits = floatStates.map((j) => {
    const z = zerosLike(getItem(bufs[j], slice(0, L[j])));
    return z;
  });

  const step = (...args: Variable[]) => {
    let a = 0;
    const take = (k: number) => args.slice(a, (a += k));
    const xs = take(nSeqs);
    const taps = take(nTaps);
    const gOut = take(floatStates.length);
    const gMap = take(floatMaps.length);
    const ws = take(floatStates.length);
    const ns = take(nNonSeqs);
    const replace = new Map<Variable, Variable>(
      [...xs, ...taps, ...ns].map((v, i) => [inner[i], v] as [Variable, Variable]),
    );
    const memo = cloneGraph(info.innerOutputs, replace);
    const outs = info.innerOutputs.map((o) => memo.get(o) ?? o);
    const known = new Map<Variable, Variable>();
    const addKnown = (v: Variable, g: Variable) => {
      const prev = known.get(v);
      known.set(v, prev ? add(prev, g) : g);
    };
    floatStates.forEach((j, q) => addKnown(outs[j], add(gOut[q], getItem(ws[q], L[j] - 1))));
    floatMaps.forEach((m, q) => addKnown(outs[nStates + m], gMap[q]));
    const newInner = [...xs, ...taps, ...ns];
    const wrt = floatInner.map((i) => newInner[i]);
    const gs =
      known.size === 0
        ? wrt.map((w) => zerosLike(w))
        : grad(null, wrt, {
            knownGrads: known,
            disconnectedInputs: 'ignore',
            returnDisconnected: 'zero',
          });
    const gOf = new Map(floatInner.map((i, q) => [i, gs[q]]));
    const newWs = floatStates.map((j, q) => {
      const w = ws[q];
      const first = info.tapInput(j);
      const tapGrad = (k: number) =>
        gOf.get(first + info.stateTaps[j].indexOf(k)) ?? zerosLike(getItem(w, 0));
      if (L[j] === 1) return dimshuffle(tapGrad(-1), ['x', ...getItem(w, 0).type.shape.keys()]);
      let shifted = concatenate([zerosLike(getItem(w, slice(0, 1))), getItem(w, slice(0, -1))], {
        axis: 0,
      });
      for (const k of info.stateTaps[j])
        if (gOf.has(first + info.stateTaps[j].indexOf(k)))
          shifted = incSubtensor(getItem(shifted, L[j] + k), tapGrad(k));
      return shifted;
    });
    return [...newWs, ...seqGradIdx.map((i) => gOf.get(i)!), ...nsGradIdx.map((i) => gOf.get(i)!)];
  };
  const [bOuts] = scan(step, {
    sequences: bSeqs,
    outputsInfo: [...wInits, ...seqGradIdx.map(() => null), ...nsGradIdx.map(() => null)],
    nonSequences: nonSeqs,
    nSteps: nb,
    name: `grad_of_${info.name}`,
    returnList: true,
  });
  const nW = floatStates.length;
  const res: (Variable | null)[] = new Array(ins.length).fill(null);
  floatStates.forEach((j, q) => {
    // the whole backward buffer (initial window included) is the input of the slice scan returned
    const wBuf = bOuts[q].owner!.inputs[0];
    let wLast = getItem(wBuf, -1);
    if (info.truncateGradient > 0) wLast = mul(wLast, cast(eq(n, nb), wLast.dtype));
    const g = add(getItem(outGrads[j], slice(0, L[j])), wLast);
    const init = inits[j];
    res[1 + nSeqs + j] = setSubtensor(getItem(zerosLike(init), slice(-L[j], null)), g);
  });
  seqGradIdx.forEach((i, q) => {
    const rows = getItem(bOuts[nW + q], slice(null, null, -1));
    res[1 + i] = setSubtensor(getItem(zerosLike(seqs[i]), slice(from, n)), rows);
  });
  nsGradIdx.forEach((i, q) => {
    res[1 + nSeqs + nStates + (i - nsStart)] = sum(bOuts[nW + seqGradIdx.length + q], { axis: 0 });
  });
  return res;
}

/**
 * IfElse: the gradient of each output goes to the taken branch only (an IfElse of the output
 * gradient and zeros), so the other branch's gradient graph is skipped too.
 */
function ifElseGrad(node: Apply<'IfElse'>, gzs: readonly Variable[]): (Variable | null)[] {
  const [c] = node.inputs;
  const zeros = gzs.map((g) => zerosLike(g));
  const thenG = ifelse(c, [...gzs], zeros);
  const elseG = ifelse(c, zeros, [...gzs]);
  return [null, ...thenG, ...elseG];
}

/** Gradients of the control-flow ops. */
export const CONTROL_GRADS: { readonly [K in keyof ControlOpParams]: GradRule<K> } = {
  Scan: scanGrad,
  IfElse: ifElseGrad,
};
