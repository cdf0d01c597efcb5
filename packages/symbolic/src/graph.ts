import {
  type DType,
  NDArray,
  type NestedArray,
  array,
  castScalar,
  canCastSafely,
  formatShape,
  isFloat,
} from '@theano-ts/tensor';
import { TensorType } from './type';
import type { OpName, OpParams } from './op-params';
import { userStackLine } from './errors';
import type { Client } from './graph-utils';
import * as B from './basic';
import * as S from './shape-fns';
import * as I from './indexing-fns';
import * as E from './elemwise-fns';
import * as R from './reduction-fns';

let nextId = 0;

/**
 * The id the next Variable will get: variables made after this call have ids at least this
 * large (scan uses it to tell what its `fn` built).
 */
export const nextVariableId = (): number => nextId;

/** Keys of Composite scalar ops, by object: a Composite is immutable and often large. */
const compositeKeys = new WeakMap<object, string>();

/**
 * Deterministic JSON of params (sorted keys), used as the op's identity for merging. A
 * Composite scalar op (thousands of scalar nodes after fusion) is serialized once: inplace
 * and later fusions reuse the same object in new params.
 */
function stableKey(v: unknown): string {
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + stableKey(v[i]);
    return s + ']';
  }
  if (v && typeof v === 'object') {
    const c = v as { name?: unknown; nodes?: unknown; outputs?: unknown };
    if (c.name === 'composite' && Array.isArray(c.nodes) && Array.isArray(c.outputs)) {
      let known = compositeKeys.get(v);
      if (known === undefined) compositeKeys.set(v, (known = compositeKey(v)));
      return known;
    }
    const keys = Object.keys(v);
    // insertion sort: params have a few keys, and Array.prototype.sort allocates a work copy
    for (let i = 1; i < keys.length; i++) {
      const k = keys[i];
      let j = i - 1;
      for (; j >= 0 && keys[j] > k; j--) keys[j + 1] = keys[j];
      keys[j + 1] = k;
    }
    let s = '{';
    for (let i = 0; i < keys.length; i++)
      s += `${i ? ',' : ''}${keys[i]}:${stableKey((v as Record<string, unknown>)[keys[i]])}`;
    return s + '}';
  }
  return JSON.stringify(v);
}

/**
 * The key of a Composite scalar op ({ name, nin, nodes, outputs }; each node { op, args,
 * dtype }, the fields evalComposite reads), written field by field: thousands of scalar nodes
 * after fusion would otherwise each cost a sorted key list. Fields other than these, if any,
 * go through {@link stableKey}.
 */
function compositeKey(c: object): string {
  const { name, nin, nodes, outputs, ...rest } = c as {
    name: string;
    nin: number;
    nodes: readonly { op: unknown; args: readonly number[]; dtype: string }[];
    outputs: readonly number[];
  };
  let s = `{name:${JSON.stringify(name)},nin:${nin},nodes:[`;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    s += `${i ? ',' : ''}${stableKey(n.op)}(${n.args.join(',')}):${n.dtype}`;
  }
  s += `],outputs:[${outputs.join(',')}]`;
  return Object.keys(rest).length ? `${s},${stableKey(rest)}}` : `${s}}`;
}

/**
 * An operation: a kind from the op list (OP_NAMES) plus its parameters. Two ops with equal
 * kind and params compute the same thing (`key` equality), which is what merging relies on.
 * Params are immutable once the op is made.
 */
export class Op<K extends OpName = OpName> {
  #key: string | undefined;
  constructor(
    /** Which op (a name of OP_NAMES, e.g. 'Elemwise', 'Dot'). */
    readonly kind: K,
    /** The op's parameters (see OpParams). */
    readonly params: OpParams[K],
  ) {}
  /**
   * Kind and params as one string: equal keys mean equal ops. Computed on first use (most ops
   * a rewrite builds are never compared).
   */
  get key(): string {
    return (this.#key ??= `${this.kind}${stableKey(this.params)}`);
  }
  /** True when `o` computes the same thing (same key). */
  equals(o: Op): boolean {
    return this.key === o.key;
  }
}

/** One application of an op to input variables, producing output variables (Theano's Apply). */
export class Apply<K extends OpName = OpName> {
  /** The variables this node computes (their `owner` is this node). */
  readonly outputs: Variable[];
  /** Where the user built this node (first stack frame outside theano-ts), for error messages. */
  trace: string | undefined;
  /**
   * Scratch mark of graph walks (`toposort`): the walk's number when this node was visited.
   * Cheaper than a Set of visited nodes on graphs of 100k nodes. Not part of the node's value.
   * @internal
   */
  walkMark = 0;
  /**
   * FunctionGraph bookkeeping kept on the node by the one graph that owns its slots (the first
   * to import it): that graph's id (0: none), whether the node is in it, and where each input
   * entry sits in that input's client list. Other graphs with this node use their own maps.
   * Field reads instead of Map lookups keyed by nodes (rewriting 10k-node graphs). @internal
   */
  fgId = 0;
  /** See {@link Apply.fgId}. @internal */
  fgIn = false;
  /** See {@link Apply.fgId}. @internal */
  fgPos: number[] | null = null;
  /**
   * Scratch slot of one graph tool at a time (the rewriters' track index caches which rewriters
   * apply to the node here): the tool that wrote it, and its value. Not part of the node's
   * value. @internal
   */
  scratchOwner: object | null = null;
  /** See {@link Apply.scratchOwner}. @internal */
  scratch: unknown = undefined;
  /**
   * Scratch marks of a rewriting pass, numbered by pass like {@link Apply.walkMark}: the pass
   * that marked the node dirty, and the pass that walked downstream of it with how many levels
   * below (the equilibrium's dirty marking). @internal
   */
  dirtyMark = 0;
  /** See {@link Apply.dirtyMark}. @internal */
  reachMark = 0;
  /** See {@link Apply.dirtyMark}. @internal */
  reachBelow = 0;
  constructor(
    /** The op applied. */
    readonly op: Op<K>,
    /** The variables the op reads. */
    readonly inputs: readonly Variable[],
    outputTypes: readonly TensorType[],
    trace: string | undefined = userStackLine(),
  ) {
    this.trace = trace;
    this.outputs = outputTypes.map((t, i) => new Variable(t, undefined, this, i));
  }
  /** The first output. */
  get out(): Variable {
    return this.outputs[0];
  }
}

/** Options accepted by `sum`, `max`, `mean`… (NumPy's names). */
export interface ReduceOptions {
  /** Axis or axes to reduce (negative from the end); null or omitted: all. */
  axis?: number | readonly number[] | null;
  /** Keep the reduced dimensions with length 1 (default false). */
  keepdims?: boolean;
}

/**
 * A symbolic tensor: a type, an optional name and `owner`, the Apply that computes it (null for
 * inputs, constants and shared variables). Methods mirror the free functions in `tensor`.
 */
export class Variable {
  /** A number unique to this variable in the process (creation order). */
  readonly id = nextId++;
  /**
   * FunctionGraph bookkeeping of a node's output, kept here by the graph that owns the node's
   * slots ({@link Apply.fgId}): that graph's id, and this variable's clients in it. Leaves never
   * carry it (several graphs share them). @internal
   */
  fgId = 0;
  /** See {@link Variable.fgId}. @internal */
  fgClients: Client[] | null = null;
  constructor(
    /** The tensor type: dtype, number of dimensions and broadcastable pattern. */
    readonly type: TensorType,
    /** The name printed by debugprint and used in error messages. */
    public name?: string,
    /** The node that computes this variable; null for inputs, constants and shared variables. */
    readonly owner: Apply | null = null,
    /** Which output of `owner` this is. */
    readonly index = 0,
  ) {}

  /** The element dtype (of `type`). */
  get dtype(): DType {
    return this.type.dtype;
  }
  /** Number of dimensions (of `type`). */
  get ndim(): number {
    return this.type.ndim;
  }
  /** Per dimension, true when its length is known to be 1 (of `type`). */
  get broadcastable(): boolean[] {
    return this.type.broadcastable;
  }

  /** The name, else the label of the op that computes it, else the type. */
  toString(): string {
    return this.name ?? (this.owner ? `${B.opLabel(this.owner.op)}.out` : `<${this.type}>`);
  }

  /** x + o, elementwise with broadcasting (Theano's x + o). */
  add(o: TensorLike): Variable {
    return B.add(this, o);
  }
  /** x - o, elementwise with broadcasting (Theano's x - o). */
  sub(o: TensorLike): Variable {
    return B.sub(this, o);
  }
  /** x * o, elementwise with broadcasting (Theano's x * o). */
  mul(o: TensorLike): Variable {
    return B.mul(this, o);
  }
  /** x / o, true division: integers give floats (Theano's x / o, true_div). */
  div(o: TensorLike): Variable {
    return B.trueDiv(this, o);
  }
  /** x ** o, elementwise (Theano's x ** o). */
  pow(o: TensorLike): Variable {
    return B.pow(this, o);
  }
  /** -x (Theano's -x). */
  neg(): Variable {
    return B.neg(this);
  }
  /** x * x (Theano's sqr). */
  sqr(): Variable {
    return B.sqr(this);
  }
  /** e^x, elementwise (Theano's exp). */
  exp(): Variable {
    return B.exp(this);
  }
  /** Natural logarithm, elementwise (Theano's log). */
  log(): Variable {
    return B.log(this);
  }
  /** Hyperbolic tangent, elementwise (Theano's tanh). */
  tanh(): Variable {
    return B.tanh(this);
  }
  /** x > o as bools (Theano's x > o). */
  gt(o: TensorLike): Variable {
    return B.gt(this, o);
  }
  /** x < o as bools (Theano's x < o). */
  lt(o: TensorLike): Variable {
    return B.lt(this, o);
  }
  /** x >= o as bools (Theano's x >= o). */
  ge(o: TensorLike): Variable {
    return B.ge(this, o);
  }
  /** x <= o as bools (Theano's x <= o). */
  le(o: TensorLike): Variable {
    return B.le(this, o);
  }
  /** x == o as bools, elementwise (Theano's eq(x, o)). */
  eq(o: TensorLike): Variable {
    return B.eq(this, o);
  }
  /** Matrix/vector product (Theano's dot(x, o), NumPy's dot rules). */
  dot(o: TensorLike): Variable {
    return B.dot(this, o);
  }
  /**
   * Sum over `axis` (default all), optionally keeping the reduced dimensions (Theano's x.sum()).
   */
  sum(opts?: ReduceOptions): Variable {
    return B.sum(this, opts);
  }
  /** Mean over `axis` (default all) (Theano's x.mean()). */
  mean(opts?: ReduceOptions): Variable {
    return B.mean(this, opts);
  }
  /** Maximum over `axis` (default all) (Theano's x.max()). */
  max(opts?: ReduceOptions): Variable {
    return B.max(this, opts);
  }
  /**
   * int32 index of the maximum along `axis` (default: the flattened array) (Theano's x.argmax()).
   */
  argmax(opts?: { axis?: number | null; keepdims?: boolean }): Variable {
    return B.argmax(this, opts);
  }
  /** Reorder dimensions and insert broadcastable ones ('x') (Theano's x.dimshuffle(...)). */
  dimshuffle(...order: (number | 'x')[]): Variable {
    return B.dimshuffle(this, order);
  }
  /** The same elements with another shape; -1 infers one length (Theano's x.reshape()). */
  reshape(shape: readonly (number | Variable)[] | Variable): Variable {
    return B.reshape(this, shape);
  }
  /** Collapse the trailing dimensions so that `ndim` remain (Theano's x.flatten(ndim)). */
  flatten(ndim = 1): Variable {
    return B.flatten(this, ndim);
  }
  /** x cast to `dtype` (Theano's x.astype(dtype)). */
  astype(dtype: DType): Variable {
    return B.cast(this, dtype);
  }
  /** The transpose: dimensions reversed (Theano's x.T). */
  get T(): Variable {
    return B.transpose(this);
  }
  /** The shape as a symbolic int vector (Theano's x.shape). */
  get shape(): Variable {
    return B.shape(this);
  }

  // ---- indexing (Theano's x[...]) and shape methods (issue 4: shape and indexing families)

  /**
   * x[...] (NumPy semantics): `x.get(0)`, `x.get(T.slice(1, 3), T.slice(null, null, -1))`,
   * `x.get(idx)` with an int or bool array for advanced indexing, '...' for the rest.
   */
  get(...index: I.IndexArg[]): Variable {
    return I.getItem(this, ...index);
  }
  /** For `x.get(idx).set(y)`: x with x[idx] = y (PyTensor's x[idx].set(y)); same as T.setSubtensor. */
  set(y: TensorLike): Variable {
    return I.setSubtensor(this, y);
  }
  /** For `x.get(idx).inc(y)`: x with y added at x[idx] (PyTensor's x[idx].inc(y)); same as T.incSubtensor. */
  inc(y: TensorLike, opts?: { ignoreDuplicates?: boolean }): Variable {
    return I.incSubtensor(this, y, opts);
  }
  /** Elements at integer `indices` along `axis` (default: the flattened array) (NumPy's take). */
  take(indices: TensorLike, opts?: { axis?: number | null }): Variable {
    return I.take(this, indices, opts);
  }
  /** Indices of the non-zero elements, one int vector per dimension (NumPy's nonzero). */
  nonzero(opts?: { returnMatrix?: boolean }): Variable[] {
    return I.nonzero(this, opts);
  }
  /** Dimensions permuted by `axes` (default: reversed) (Theano's x.transpose()). */
  transpose(...axes: number[]): Variable {
    return B.transpose(this, axes.length ? axes : undefined);
  }
  /** Dimensions `axis1` and `axis2` interchanged (NumPy's swapaxes). */
  swapaxes(axis1: number, axis2: number): Variable {
    return S.swapaxes(this, axis1, axis2);
  }
  /**
   * Dimensions of length 1 removed (all broadcastable ones, or those in `axis`) (NumPy's squeeze).
   */
  squeeze(opts?: { axis?: number | readonly number[] }): Variable {
    return S.squeeze(this, opts);
  }
  /** Element order reversed along `axis` (default all) (NumPy's flip). */
  flip(opts?: { axis?: number | readonly number[] | null }): Variable {
    return S.flip(this, opts);
  }
  /** Each element repeated `repeats` times along `axis` (default: flattened) (NumPy's repeat). */
  repeat(repeats: TensorLike, opts?: { axis?: number | null }): Variable {
    return S.repeat(this, repeats, opts);
  }
  /** The diagonal at `offset` of the planes (`axis1`, `axis2`) (NumPy's diagonal). */
  diagonal(opts?: { offset?: number; axis1?: number; axis2?: number }): Variable {
    return S.diagonal(this, opts);
  }

  // ---- Theano's operators and methods of the elementwise and reductions families (issue 4)

  /** |x| (Theano's abs(x)). */
  abs(): Variable {
    return B.abs(this);
  }
  /** x // o, floor division (Theano's x // o, int_div). */
  intDiv(o: TensorLike): Variable {
    return E.intDiv(this, o);
  }
  /** x % o with the sign of o (Theano's x % o). */
  mod(o: TensorLike): Variable {
    return E.mod(this, o);
  }
  /** x & o on ints and bools (Theano's x & o). */
  and(o: TensorLike): Variable {
    return E.bitwiseAnd(this, o);
  }
  /** x | o on ints and bools (Theano's x | o). */
  or(o: TensorLike): Variable {
    return E.bitwiseOr(this, o);
  }
  /** x ^ o on ints and bools (Theano's x ^ o). */
  xor(o: TensorLike): Variable {
    return E.bitwiseXor(this, o);
  }
  /** ~x (Theano's ~x): bitwise on ints, logical on bools. */
  invert(): Variable {
    return E.invert(this);
  }
  /** x != o as bools, elementwise (Theano's neq(x, o)). */
  neq(o: TensorLike): Variable {
    return B.neq(this, o);
  }
  /** Round half to even unless `mode` says 'half_away_from_zero' (Theano's x.round(mode)). */
  round(opts?: { mode?: 'half_to_even' | 'half_away_from_zero' }): Variable {
    return E.round(this, opts);
  }
  /** Rounded towards zero (NumPy's trunc). */
  trunc(): Variable {
    return E.trunc(this);
  }
  /** clip(x, min, max) (Theano's x.clip(a_min, a_max)). */
  clip(min: TensorLike, max: TensorLike): Variable {
    return E.clip(this, min, max);
  }
  /** Product over `axis` (default all) (Theano's x.prod()). */
  prod(opts?: ReduceOptions): Variable {
    return B.prod(this, opts);
  }
  /** Minimum over `axis` (default all) (Theano's x.min()). */
  min(opts?: ReduceOptions): Variable {
    return B.min(this, opts);
  }
  /** Variance, with NumPy's `ddof` (Theano's x.var()). */
  var(opts?: R.VarianceOptions): Variable {
    return R.var_(this, opts);
  }
  /** Standard deviation, with NumPy's `ddof` (Theano's x.std()). */
  std(opts?: R.VarianceOptions): Variable {
    return R.std(this, opts);
  }
  /**
   * int32 index of the minimum along `axis` (default: the flattened array) (Theano's x.argmin()).
   */
  argmin(opts?: { axis?: number | null; keepdims?: boolean }): Variable {
    return R.argmin(this, opts);
  }
  /** True where every element over `axis` (default all) is non-zero (Theano's x.all()). */
  all(opts?: ReduceOptions): Variable {
    return R.all(this, opts);
  }
  /** True where some element over `axis` (default all) is non-zero (Theano's x.any()). */
  any(opts?: ReduceOptions): Variable {
    return R.any(this, opts);
  }
  /** Cumulative sum along `axis` (default: the flattened array) (Theano's cumsum). */
  cumsum(opts?: { axis?: number | null }): Variable {
    return R.cumsum(this, opts);
  }
  /** Cumulative product along `axis` (default: the flattened array) (Theano's cumprod). */
  cumprod(opts?: { axis?: number | null }): Variable {
    return R.cumprod(this, opts);
  }
}

/** A variable with a fixed value (Theano's TensorConstant). */
export class Constant extends Variable {
  /** Signature for merging equal constants. */
  readonly signature: string;
  constructor(
    type: TensorType,
    /** The value. */
    readonly data: NDArray,
    name?: string,
  ) {
    super(type, name);
    const head =
      data.size <= 64
        ? Array.from(data.toFlat(), (x) => (Object.is(x, -0) ? '-0' : String(x))).join(',')
        : `${this.id}`;
    this.signature = `${type}|${data.dtype}${formatShape(data.shape)}[${head}]`;
  }
  override toString(): string {
    return (
      this.name ??
      (this.data.size === 1
        ? `TensorConstant{${this.data.item()}}`
        : `TensorConstant{${this.data.dtype}${formatShape(this.data.shape)}}`)
    );
  }
}

/** Anything the free functions accept where a tensor is expected. */
export type TensorLike = Variable | NDArray | number | NestedArray;

/** Options of `shared()` and `SharedVariable`. */
export interface SharedOptions {
  /** Keep the given NDArray instead of copying it (Theano's borrow). */
  borrow?: boolean;
  /** Dtype to store (converted with a precision check). */
  dtype?: DType;
  /** Static shape to declare (null for unknown; 1 makes a dimension broadcastable). */
  shape?: readonly (number | null)[];
}

/**
 * A variable whose value lives between function calls and that functions may update
 * (Theano's SharedVariable). No dimension is broadcastable unless declared via `shape`.
 */
export class SharedVariable extends Variable {
  private value: NDArray;
  /** The update a function applies when none is given for this variable (Theano's default_update). */
  defaultUpdate: Variable | undefined;
  /** Backends that keep this variable resident elsewhere (e.g. on a GPU) register a syncer. */
  private readonly syncers = new Set<{ pull(): NDArray | undefined; invalidate(): void }>();

  constructor(type: TensorType, value: NDArray, name?: string) {
    super(type, name);
    this.value = value;
  }

  /** The current value: a copy unless `borrow` (the internal array, do not mutate). */
  getValue(opts: { borrow?: boolean } = {}): NDArray {
    this.pull();
    return opts.borrow ? this.value : this.value.copy();
  }

  /**
   * Replace the value. It must have this variable's dtype (or convert exactly) and rank, and
   * match its static dimensions. @throws TypeError naming the variable otherwise.
   */
  setValue(v: NDArray | NestedArray, opts: { borrow?: boolean } = {}): void {
    const arr = filterValue(this.type, v, {
      what: `shared variable '${this.name ?? 'unnamed'}'`,
      allowDowncast: false,
    });
    this.value = opts.borrow && arr === v ? arr : arr === v ? arr.copy() : arr;
    for (const s of this.syncers) s.invalidate();
  }

  /** For the runtime: the value without copy or checks (after pulling from any device). */
  get internal(): NDArray {
    this.pull();
    return this.value;
  }
  /**
   * For the runtime: the host value as it is, without reading a device copy back (older than
   * the device's when a backend holds a newer one; see `Backend.loadShared`).
   */
  get hostValue(): NDArray {
    return this.value;
  }
  /** For the runtime: store a computed value (already of the right type). */
  setInternal(v: NDArray): void {
    this.value = v;
    for (const s of this.syncers) s.invalidate();
  }
  /** For backends: track a device copy. `pull` returns fresh host data when the device holds newer values. */
  addSyncer(s: { pull(): NDArray | undefined; invalidate(): void }): () => void {
    this.syncers.add(s);
    return () => this.syncers.delete(s);
  }
  private pull(): void {
    for (const s of this.syncers) {
      const v = s.pull();
      if (v) this.value = v;
    }
  }
}

/**
 * Convert user data to an NDArray of `type`, with Theano's rules: exact conversions are
 * accepted (numbers, integer data into float inputs), lossy ones (float64 data into float32)
 * only with `allowDowncast`. Rank and static dimensions must match.
 * @throws TypeError that names `what`, the expected type and what was given.
 */
export function filterValue(
  type: TensorType,
  v: unknown,
  opts: { what: string; allowDowncast?: boolean; hint?: string },
): NDArray {
  const fail = (msg: string): never => {
    throw new TypeError(
      `${opts.what}: expected ${type} (dtype ${type.dtype}, ndim ${type.ndim}), ${msg}${opts.hint ?? ''}`,
    );
  };
  let arr: NDArray;
  if (v instanceof NDArray) arr = v;
  else if (
    typeof v === 'number' ||
    typeof v === 'boolean' ||
    Array.isArray(v) ||
    ArrayBuffer.isView(v)
  ) {
    try {
      arr = array(v as NestedArray, { dtype: ArrayBuffer.isView(v) ? undefined : 'float64' });
    } catch (e) {
      return fail(`got ${describe(v)}: ${(e as Error).message}`);
    }
    if (!ArrayBuffer.isView(v)) {
      // Plain JS numbers: a float input takes any of them (rounded to its precision, as Theano
      // takes Python floats for floatX inputs); an int input only exact integers in range.
      if (!isFloat(type.dtype) && !opts.allowDowncast) {
        const bad = Array.from(arr.toFlat()).find((x) => castScalar(x, type.dtype) !== x);
        if (bad !== undefined)
          fail(
            `got ${describe(v)}; ${type.dtype} cannot store ${bad} accurately (pass integers in range, or set allowInputDowncast: true)`,
          );
      }
      arr = arr.astype(type.dtype);
    }
  } else {
    return fail(`got ${describe(v)}`);
  }
  if (arr.ndim !== type.ndim)
    fail(
      `got ${describe(v)} with ${arr.ndim} dimension${arr.ndim === 1 ? '' : 's'} (shape ${formatShape(arr.shape)})`,
    );
  type.shape.forEach((d, i) => {
    if (d !== null && arr.shape[i] !== d)
      fail(
        `got shape ${formatShape(arr.shape)}: dimension ${i} must have length ${d}${d === 1 ? ' (it is broadcastable)' : ''}`,
      );
  });
  if (arr.dtype !== type.dtype) {
    if (canCastSafely(arr.dtype, type.dtype)) arr = arr.astype(type.dtype);
    else if (opts.allowDowncast) arr = arr.astype(type.dtype);
    else
      fail(
        `got an array of dtype ${arr.dtype}, which cannot be stored as ${type.dtype} without risking loss of precision; convert it (a.astype('${type.dtype}')) or set allowInputDowncast: true`,
      );
  }
  return arr;
}

/** Short description of a user value for error messages. */
export function describe(v: unknown): string {
  if (v instanceof NDArray)
    return `an NDArray of dtype ${v.dtype} and shape ${formatShape(v.shape)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (Array.isArray(v)) {
    const plain = (x: unknown): boolean =>
      x === null ||
      ['number', 'string', 'boolean'].includes(typeof x) ||
      (Array.isArray(x) && x.every(plain));
    let allPlain = true;
    for (let i = 0; i < v.length; i++) if (!plain(v[i])) allPlain = false;
    if (allPlain) return `a JS array ${JSON.stringify(v).slice(0, 40)}`;
    // Variables, holes, objects: say what each of the first items is
    const item = (i: number): string =>
      !(i in v)
        ? 'an empty slot'
        : v[i] instanceof Variable
          ? `variable ${v[i].name ? `'${v[i].name}'` : '(unnamed)'} (${v[i].type})`
          : describe(v[i]);
    const shown = Array.from({ length: Math.min(v.length, 3) }, (_, i) => item(i));
    return `a JS array of length ${v.length} (${shown.join(', ')}${v.length > 3 ? ', …' : ''})`;
  }
  if (ArrayBuffer.isView(v))
    return `a ${v.constructor.name} of length ${(v as unknown as { length: number }).length}`;
  if (v === null || v === undefined) return String(v);
  const t = typeof v;
  return `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t} (${String(v).slice(0, 40)})`;
}
