/**
 * Canonicalizations (pytensor/tensor/rewriting/math.py, basic.py, shape.py, elemwise.py):
 * algebraic cancellations, useless switch / cast / dimshuffle / reshape, dimshuffle merging and
 * lifting, reshape chains, and reductions (scalar factors out of sums, chains of reductions,
 * reductions over broadcastable dimensions).
 *
 * Like Theano's, the cancellations assume finite values: x − x → 0 and x / x → 1 differ from
 * the original where x is ±inf or NaN (or 0 for x / x), and 0 · x → 0 where x is ±inf or NaN.
 * Rewrites tagged `shape_unsafe` also drop a shape check: (a + b) − b → a no longer fails
 * when a and b have shapes that do not broadcast.
 */
import {
  type Apply,
  Constant,
  type Variable,
  add,
  applyOp,
  cast,
  dimshuffle,
  mul,
  neg,
  reshape,
  sub,
  sum,
  switch_,
  trueDiv,
} from '@theano-ts/symbolic';
import { canCastSafely, isFloat } from '@theano-ts/tensor';
import {
  dimshuffleOf,
  fillLike,
  getScalarConstantValue,
  hasSingleClient,
  isConstantValue,
  isElemwise,
  isOp,
  isScalarLike,
  scalarConstant,
} from './match';
import { type NodeRewriter, matchType, nodeRewriter } from './rewriter';

const one = (v: Variable | null): Variable[] | null => (v ? [v] : null);

/** A binary node's two inputs in both orders (for commutative patterns). */
const operandOrders = (node: Apply): [Variable, Variable][] => [
  [node.inputs[0], node.inputs[1]],
  [node.inputs[1], node.inputs[0]],
];

/** x − x → 0, filled to x's shape (Theano's `local_add_canonizer` case; finite x). */
export const localSubSelf: NodeRewriter = nodeRewriter(
  'local_sub_self',
  ['Elemwise:sub'],
  (_fg, node) => {
    const [a, b] = node.inputs;
    if (a !== b) return null;
    const out = node.outputs[0];
    return one(fillLike(scalarConstant(0, out.dtype), out, [a]));
  },
  { depth: 1 },
);

/**
 * (a + b) − b → a, (a + b) − a → b, (a − b) + b → a, b + (a − b) → a (Theano's
 * `local_add_canonizer` cases), for float results (int sums may have wrapped around). The
 * survivor is filled to the result's shape where it was broadcast. More accurate than the
 * original: (1e-20 + 1) − 1 is 0, the rewrite gives 1e-20.
 */
export const localAddSubCancel: NodeRewriter = nodeRewriter(
  'local_add_sub_cancel',
  ['Elemwise:sub', 'Elemwise:add'],
  (_fg, node) => {
    const out = node.outputs[0];
    if (!isFloat(out.dtype)) return null;
    const [l, r] = node.inputs;
    if (isElemwise(node, 'sub')) {
      const s = l.owner;
      if (!isElemwise(s, 'add')) return null;
      const [a, b] = s.inputs;
      if (b === r) return one(fillLike(a, out, [b]));
      if (a === r) return one(fillLike(b, out, [a]));
      return null;
    }
    for (const [d, other] of [
      [l, r],
      [r, l],
    ]) {
      const s = d.owner;
      if (isElemwise(s, 'sub') && s.inputs[1] === other)
        return one(fillLike(s.inputs[0], out, [other]));
    }
    return null;
  },
  { depth: 2, tags: ['shape_unsafe'] },
);

/**
 * (x · y) / x → y, (y · x) / x → y, (y / x) · x → y, x · (y / x) → y, and through one + or −,
 * (a / x − o) · x → a − o · x (Theano's `local_mul_canonizer` cases) for float results.
 * Also a stabilization: the gradient of log(sigmoid(x)) is (1 / s) · s · (1 − s), which is
 * inf · 0 = NaN where s underflows; after the rewrite it is 1 − s. The gradient of
 * log(softmax(x)), (g/sm − sum(g/sm · sm)) · sm, becomes g − sum(g) · sm (what
 * local_log_softmax_grad makes of it). Registered in canonicalize and in stabilize (so that
 * FAST_COMPILE has it).
 */
export const localMulDivCancel: NodeRewriter = nodeRewriter(
  'local_mul_div_cancel',
  ['Elemwise:trueDiv', 'Elemwise:mul'],
  (_fg, node) => {
    const out = node.outputs[0];
    if (!isFloat(out.dtype)) return null;
    const [l, r] = node.inputs;
    if (isElemwise(node, 'trueDiv')) {
      const m = l.owner;
      if (!isElemwise(m, 'mul') || !isFloat(m.outputs[0].dtype)) return null;
      const [a, b] = m.inputs;
      if (a === r) return one(fillLike(b, out, [a]));
      if (b === r) return one(fillLike(a, out, [b]));
      return null;
    }
    for (const [d, x] of [
      [l, r],
      [r, l],
    ]) {
      const q = d.owner;
      if (isElemwise(q, 'trueDiv') && q.inputs[1] === x)
        return one(fillLike(q.inputs[0], out, [x]));
      // through one + or −: (a/x − o)·x → a − o·x, (o − a/x)·x → o·x − a, (a/x + o)·x → a + o·x
      if ((!isElemwise(q, 'add') && !isElemwise(q, 'sub')) || !isFloat(d.dtype)) continue;
      for (const k of [0, 1]) {
        const t = q.inputs[k].owner;
        if (!isElemwise(t, 'trueDiv') || t.inputs[1] !== x) continue;
        const [a, o] = [t.inputs[0], q.inputs[1 - k]];
        const ox = mul(o, x);
        const res = isElemwise(q, 'add') ? add(a, ox) : k === 0 ? sub(a, ox) : sub(ox, a);
        return one(fillLike(res, out, [x, o]));
      }
    }
    return null;
  },
  { depth: 3, tags: ['shape_unsafe'] },
);

/**
 * a + (−b) → a − b and (−b) + a → a − b (PyTensor's `local_add_neg_to_sub`), so that the
 * gradient of log1p(−s), 1 / (1 + (−s)), has the same 1 − s that s's own gradient holds (for
 * local_mul_canonizer to cancel after merge).
 */
export const localAddNegToSub: NodeRewriter = nodeRewriter(
  'local_add_neg_to_sub',
  ['Elemwise:add'],
  (_fg, node) => {
    const out = node.outputs[0];
    for (const [a, nb] of operandOrders(node)) {
      const o = nb.owner;
      if (isElemwise(o, 'neg')) return one(matchType(sub(a, o.inputs[0]), out));
    }
    return null;
  },
  { depth: 2 },
);

/** The factors of a product: numerator and denominator terms and the sign. */
interface Factors {
  num: Variable[];
  den: Variable[];
  negative: boolean;
}

/**
 * `v` flattened into factors through mul, trueDiv, reciprocal and neg nodes of `dtype` (so
 * that no cast is looked through); other variables are terms.
 */
function collectFactors(v: Variable, dtype: Variable['dtype'], f: Factors, inDen: boolean): void {
  const o = v.owner;
  if (v.dtype === dtype && o) {
    if (isElemwise(o, 'mul')) {
      for (const i of o.inputs) collectFactors(i, dtype, f, inDen);
      return;
    }
    if (isElemwise(o, 'trueDiv')) {
      collectFactors(o.inputs[0], dtype, f, inDen);
      collectFactors(o.inputs[1], dtype, f, !inDen);
      return;
    }
    if (isElemwise(o, 'reciprocal')) return collectFactors(o.inputs[0], dtype, f, !inDen);
    if (isElemwise(o, 'neg')) {
      f.negative = !f.negative;
      return collectFactors(o.inputs[0], dtype, f, inDen);
    }
  }
  (inDen ? f.den : f.num).push(v);
}

/** The product of `terms` (left to right), or null for none. */
const productOf = (terms: readonly Variable[]): Variable | null =>
  terms.length === 0 ? null : terms.reduce((a, b) => mul(a, b));

/**
 * A product of mul, trueDiv, reciprocal and neg nodes with a term common to its numerator and
 * denominator (the same variable, after merge) → the product without it, filled to the
 * result's shape, for float results (Theano's `local_mul_canonizer`). A stabilization: the
 * gradient of log(1 − sigmoid(x)) after log1msigm_to_softplus is
 * −(1 / sigmoid(−x)) · sigmoid(x) · sigmoid(−x), inf · 0 = NaN at x = 1000; after the
 * rewrite it is −sigmoid(x). Assumes the cancelled terms finite and nonzero, like x / x → 1.
 */
export const localMulCanonizer: NodeRewriter = nodeRewriter(
  'local_mul_canonizer',
  ['Elemwise:mul', 'Elemwise:trueDiv'],
  (_fg, node) => {
    const out = node.outputs[0];
    if (!isFloat(out.dtype)) return null;
    const f: Factors = { num: [], den: [], negative: false };
    collectFactors(out, out.dtype, f, false);
    if (f.den.length === 0) return null; // nothing to cancel against
    const cancelled: Variable[] = [];
    const den = [...f.den];
    const num = f.num.filter((t) => {
      const k = den.indexOf(t);
      if (k < 0) return true;
      cancelled.push(t);
      den.splice(k, 1);
      return false;
    });
    if (cancelled.length === 0) return null;
    const n = productOf(num) ?? scalarConstant(1, out.dtype);
    const d = productOf(den);
    const q = d ? trueDiv(n, d) : n;
    return one(fillLike(f.negative ? neg(q) : q, out, [...cancelled, ...f.num, ...f.den]));
  },
  { tags: ['shape_unsafe'] },
);

/** x / x → 1, filled to x's shape (Theano's `local_mul_canonizer` case; x finite and nonzero). */
export const localDivSelf: NodeRewriter = nodeRewriter(
  'local_div_self',
  ['Elemwise:trueDiv'],
  (_fg, node) => {
    const [a, b] = node.inputs;
    if (a !== b) return null;
    const out = node.outputs[0];
    return one(fillLike(scalarConstant(1, out.dtype), out, [a]));
  },
  { depth: 1 },
);

/**
 * 0 · x → 0 and x · 0 → 0 with the product's shape kept (a fill from both operands), for
 * finite x (Theano's `local_mul_zero`).
 */
export const localMulZero: NodeRewriter = nodeRewriter(
  'local_mul_zero',
  ['Elemwise:mul'],
  (_fg, node) => {
    const [a, b] = node.inputs;
    if (!isConstantValue(a, 0) && !isConstantValue(b, 0)) return null;
    const out = node.outputs[0];
    return one(fillLike(scalarConstant(0, out.dtype), out, [a, b]));
  },
  { depth: 3 },
);

/** A switch with a zero branch: its condition, the other branch, the zero and where it is. */
interface SwitchWithZero {
  c: Variable;
  y: Variable;
  zero: Variable;
  zeroFirst: boolean;
}

/**
 * `switch(c, 0, y)` or `switch(c, y, 0)`, the 0 being any constant-valued variable
 * ({@link getScalarConstantValue}): in gradients it is a fill, second(g, 0).
 */
function switchWithZero(v: Variable): SwitchWithZero | null {
  const s = v.owner;
  if (!isElemwise(s, 'switch')) return null;
  const [c, t, f] = s.inputs;
  if (isConstantValue(t, 0)) return { c, y: f, zero: t, zeroFirst: true };
  if (isConstantValue(f, 0)) return { c, y: t, zero: f, zeroFirst: false };
  return null;
}

/**
 * switch(c, 0, y') (or switch(c, y', 0)) standing for `like`: the zero becomes a 0-d constant,
 * and the shape the old zero branch gave the result (a fill's) is kept by a fill from it.
 */
const rebuildSwitch = (m: SwitchWithZero, y: Variable, like: Variable) => {
  const z = scalarConstant(0, like.dtype);
  return fillLike(m.zeroFirst ? switch_(m.c, z, y) : switch_(m.c, y, z), like, [m.zero]);
};

/**
 * a · switch(c, 0, y) → switch(c, 0, a · y), either operand order, either branch (Theano's
 * `local_mul_switch_sink`). Where c selects the 0, the result is 0 even when a is inf or NaN:
 * gradients through a switch (relu, clipping, switch(x > 0, log(x), 0)) no longer turn
 * 0 · inf into NaN.
 */
export const localMulSwitchSink: NodeRewriter = nodeRewriter(
  'local_mul_switch_sink',
  ['Elemwise:mul'],
  (_fg, node) => {
    const out = node.outputs[0];
    for (const [sw, a] of operandOrders(node)) {
      const m = switchWithZero(sw);
      if (m) return one(rebuildSwitch(m, mul(m.y, a), out));
    }
    return null;
  },
  { depth: 5 },
);

/** switch(c, 0, y) / a → switch(c, 0, y / a) (Theano's `local_div_switch_sink`). */
export const localDivSwitchSink: NodeRewriter = nodeRewriter(
  'local_div_switch_sink',
  ['Elemwise:trueDiv'],
  (_fg, node) => {
    const m = switchWithZero(node.inputs[0]);
    if (!m) return null;
    return one(rebuildSwitch(m, trueDiv(m.y, node.inputs[1]), node.outputs[0]));
  },
  { depth: 5 },
);

/**
 * switch(c, a, b) → a (or b) when c is a constant that is nonzero (or zero) everywhere, and
 * switch(c, a, a) → a; the survivor is filled to the result's shape (Theano's
 * `local_useless_switch`).
 */
export const localUselessSwitch: NodeRewriter = nodeRewriter(
  'local_useless_switch',
  ['Elemwise:switch'],
  (_fg, node) => {
    const [c, a, b] = node.inputs;
    const out = node.outputs[0];
    if (a === b) return one(fillLike(a, out, [c]));
    const cv = getScalarConstantValue(c);
    if (cv === undefined) return null;
    return cv !== 0 ? one(fillLike(a, out, [c, b])) : one(fillLike(b, out, [c, a]));
  },
  { depth: 3 },
);

/** cast(x, d) → x when x already has dtype d (rewrites can leave such casts). */
export const localUselessCast: NodeRewriter = nodeRewriter(
  'local_useless_cast',
  ['Elemwise:cast'],
  (_fg, node) => (node.inputs[0].dtype === node.outputs[0].dtype ? [node.inputs[0]] : null),
  { depth: 1 },
);

/**
 * cast(cast(x, a), b) → cast(x, b) when the first cast loses nothing (int8 → float32 →
 * float64 is int8 → float64); x itself when b is x's dtype (Theano's `local_cast_cast`).
 */
export const localCastCast: NodeRewriter = nodeRewriter(
  'local_cast_cast',
  ['Elemwise:cast'],
  (_fg, node) => {
    const inner = node.inputs[0].owner;
    if (!isElemwise(inner, 'cast')) return null;
    const x = inner.inputs[0];
    if (!canCastSafely(x.dtype, inner.outputs[0].dtype)) return null;
    return [cast(x, node.outputs[0].dtype)];
  },
  { depth: 2 },
);

const isIdentityOrder = (order: readonly (number | 'x')[], ndim: number): boolean =>
  order.length === ndim && order.every((o, i) => o === i);

/** DimShuffle whose order keeps every dimension in place → its input (Theano's `local_useless_dimshuffle`). */
export const localUselessDimshuffle: NodeRewriter = nodeRewriter(
  'local_useless_dimshuffle',
  ['DimShuffle'],
  (_fg, node) => {
    const ds = node as Apply<'DimShuffle'>;
    return isIdentityOrder(ds.op.params.order, ds.op.params.inputNdim) ? [ds.inputs[0]] : null;
  },
  { depth: 1 },
);

/**
 * DimShuffle(DimShuffle(x, o1), o2) → DimShuffle(x, o1 ∘ o2), or x when the composition keeps
 * every dimension in place: x.T.T → x (part of Theano's `local_dimshuffle_lift`).
 */
export const localDimshuffleMerge: NodeRewriter = nodeRewriter(
  'local_dimshuffle_merge',
  ['DimShuffle'],
  (_fg, node) => {
    const outer = node as Apply<'DimShuffle'>;
    const inner = outer.inputs[0].owner;
    if (!isOp(inner, 'DimShuffle')) return null;
    const o1 = inner.op.params.order;
    const order = outer.op.params.order.map((o) => (o === 'x' ? 'x' : o1[o]));
    return [dimshuffle(inner.inputs[0], order)];
  },
  { depth: 2 },
);

/**
 * DimShuffle(Elemwise(a, b, …)) → Elemwise(DimShuffle(a), DimShuffle(b), …) when the DimShuffle
 * is the Elemwise's only user (Theano's `local_dimshuffle_lift`): transposes and broadcasts
 * move towards the inputs, where they merge with others or fold into constants, and the
 * elementwise chain they interrupted becomes one cluster for fusion.
 */
export const localDimshuffleLift: NodeRewriter = nodeRewriter(
  'local_dimshuffle_lift',
  ['DimShuffle'],
  (fgraph, node) => {
    const ds = node as Apply<'DimShuffle'>;
    const e = ds.inputs[0].owner;
    if (!isOp(e, 'Elemwise') || e.outputs.length !== 1) return null;
    if (!hasSingleClient(fgraph, e.outputs[0])) return null;
    const order = ds.op.params.order;
    const ins = e.inputs.map((v) => dimshuffle(v, order));
    return [applyOp('Elemwise', e.op.params, ins).outputs[0]];
  },
  { depth: 2 },
);

/** The entries of a shape vector when they are known: constants, or x.shape[i] of `x`. */
function shapeEntries(shp: Variable, x: Variable): (number | 'same' | undefined)[] | undefined {
  if (shp instanceof Constant) return Array.from(shp.data.toFlat());
  const o = shp.owner;
  if (isOp(o, 'Shape')) return o.inputs[0] === x ? x.type.shape.map(() => 'same') : undefined;
  if (!isOp(o, 'MakeVector')) return undefined;
  return o.inputs.map((v, i) => {
    const si = v.owner;
    if (isOp(si, 'ShapeI') && si.inputs[0] === x && si.op.params.i === i) return 'same';
    return getScalarConstantValue(v);
  });
}

/**
 * reshape(x, shape) → x when the shape is x's own: x.shape, [x.shape[0], …], constants equal to
 * x's static lengths, at most one -1 standing for the only remaining dimension (Theano's
 * `local_useless_reshape`).
 */
export const localUselessReshape: NodeRewriter = nodeRewriter(
  'local_useless_reshape',
  ['Reshape'],
  (_fg, node) => {
    const [x, shp] = node.inputs;
    const out = node.outputs[0];
    if (out.ndim !== x.ndim) return null;
    const entries = shapeEntries(shp, x);
    if (!entries) return null;
    let minusOnes = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e === 'same' || (e !== undefined && e === x.type.shape[i])) continue;
      if (e === -1) minusOnes++;
      else return null;
    }
    return minusOnes <= 1 ? one(fillLike(x, out)) : null;
  },
  { depth: 4 },
);

/** reshape(reshape(x, s1), s2) → reshape(x, s2) (Theano's `local_reshape_chain`). */
export const localReshapeChain: NodeRewriter = nodeRewriter(
  'local_reshape_chain',
  ['Reshape'],
  (_fg, node) => {
    const inner = node.inputs[0].owner;
    if (!isOp(inner, 'Reshape')) return null;
    return one(fillLike(reshape(inner.inputs[0], node.inputs[1]), node.outputs[0]));
  },
  { depth: 2 },
);

/**
 * sum(a · X) → a · sum(X) and sum(X / a) → sum(X) / a for a scalar a (all dimensions
 * broadcastable), and sum(−X) → −sum(X) (Theano's `local_sum_prod_mul_by_scalar` and
 * `local_sum_div_dimshuffle`): one multiplication instead of one per element. Float only, and
 * only when X has the product's dtype (so the sum's dtype is unchanged).
 */
export const localSumMulByScalar: NodeRewriter = nodeRewriter(
  'local_sum_prod_mul_by_scalar',
  ['CAReduce'],
  (_fg, node) => {
    const red = node as Apply<'CAReduce'>;
    const { scalarOp, axes } = red.op.params;
    const out = red.outputs[0];
    if (scalarOp !== 'add' || !isFloat(out.dtype)) return null;
    const inner = red.inputs[0].owner;
    if (!isOp(inner, 'Elemwise')) return null;
    const reduced = (v: Variable) => sum(v, { axis: axes });
    // a's reduced axes are broadcastable: drop them, keep the others
    const dropAxes = (a: Variable) =>
      dimshuffleOf(
        a,
        a.type.shape.flatMap((_, i) => (axes.includes(i) ? [] : [i])),
      );
    const name = inner.op.params.scalarOp.name;
    const dt = inner.outputs[0].dtype;
    if (name === 'neg') {
      const [x] = inner.inputs;
      return x.dtype === dt ? one(fillLike(neg(reduced(x)), out)) : null;
    }
    if (name === 'mul')
      for (const [a, x] of [
        [inner.inputs[0], inner.inputs[1]],
        [inner.inputs[1], inner.inputs[0]],
      ])
        if (isScalarLike(a) && !isScalarLike(x) && x.dtype === dt)
          return one(fillLike(mul(dropAxes(a), reduced(x)), out));
    if (name === 'trueDiv') {
      const [x, a] = inner.inputs;
      if (isScalarLike(a) && !isScalarLike(x) && x.dtype === dt)
        return one(fillLike(trueDiv(reduced(x), dropAxes(a)), out));
    }
    return null;
  },
  { depth: 2 },
);

/**
 * A reduction of a reduction by the same operator → one reduction over both sets of axes:
 * sum(sum(x, 1), 0) → sum(x, [0, 1]) (Theano's `local_op_of_op` / reduce chains).
 */
export const localReduceChain: NodeRewriter = nodeRewriter(
  'local_reduce_chain',
  ['CAReduce'],
  (_fg, node) => {
    const outer = node as Apply<'CAReduce'>;
    const inner = outer.inputs[0].owner;
    if (!isOp(inner, 'CAReduce') || inner.op.params.scalarOp !== outer.op.params.scalarOp)
      return null;
    const x = inner.inputs[0];
    const a1 = inner.op.params.axes;
    const kept = x.type.shape.map((_, i) => i).filter((i) => !a1.includes(i));
    const axes = [...a1, ...outer.op.params.axes.map((a) => kept[a])].sort((p, q) => p - q);
    const r = applyOp('CAReduce', { scalarOp: outer.op.params.scalarOp, axes }, [x]).outputs[0];
    return one(fillLike(r, outer.outputs[0]));
  },
  { depth: 2 },
);

/**
 * A reduction over dimensions of length 1 (broadcastable) reduces nothing there: those axes
 * are dropped with a DimShuffle, and a reduction over none is just a cast (Theano's
 * `local_reduce_broadcastable`).
 */
export const localReduceBroadcastable: NodeRewriter = nodeRewriter(
  'local_reduce_broadcastable',
  ['CAReduce'],
  (_fg, node) => {
    const red = node as Apply<'CAReduce'>;
    const [x] = red.inputs;
    const { scalarOp, axes } = red.op.params;
    const trivial = axes.filter((a) => x.type.shape[a] === 1);
    if (trivial.length === 0) return null;
    const keptDims = x.type.shape.map((_, i) => i).filter((i) => !trivial.includes(i));
    const squeezed = dimshuffle(x, keptDims);
    const rest = axes.filter((a) => !trivial.includes(a)).map((a) => keptDims.indexOf(a));
    const r =
      rest.length === 0
        ? squeezed
        : applyOp('CAReduce', { scalarOp, axes: rest }, [squeezed]).outputs[0];
    return one(fillLike(r, red.outputs[0]));
  },
  { depth: 1 },
);
