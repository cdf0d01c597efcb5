/**
 * Profiling of compiled functions (Theano's ProfileStats): compile time by phase, call count
 * and time, time per node and per op type.
 */
import { type Apply, opLabel } from '@theano-ts/symbolic';

/** Milliseconds spent in one phase of compilation. */
export interface PhaseTime {
  /** 'prepare' (inputs, updates, givens, clone, checks), 'optimize:<phase>' per rewrite phase, 'link'. */
  phase: string;
  /** Milliseconds spent. */
  ms: number;
}

/** Compile time of a function, split by phase. */
export interface CompileTime {
  /** Milliseconds from the call of theano.function to the compiled function. */
  totalMs: number;
  /** The phases, in order. */
  phases: PhaseTime[];
}

/** One row of the per-node table. */
export interface NodeProfile {
  /** Position in the schedule. */
  index: number;
  /** The node. */
  node: Apply;
  /** Its label, as debugprint shows it. */
  label: string;
  /** Milliseconds spent in it, all calls together. */
  ms: number;
}

/** One row of the per-op table. */
export interface OpProfile {
  /** Op kind ('Elemwise', 'Dot') or full label, depending on the grouping. */
  op: string;
  /** Milliseconds spent in its nodes, all calls together. */
  ms: number;
  /** Nodes of this op in the graph. */
  nodes: number;
  /** Share of the time spent in nodes. */
  fraction: number;
}

/**
 * Per-function statistics, filled when the function is compiled with `profile: true`
 * (read them from `fn.profile`).
 */
export class ProfileStats {
  /** Completed calls. */
  callCount = 0;
  /** Milliseconds spent in calls (argument checks included). */
  callTimeMs = 0;
  /** Milliseconds per node, in schedule order. */
  readonly nodeTimes: Float64Array;

  constructor(
    /** The function's name. */
    readonly name: string,
    /** The compiled nodes, in schedule order. */
    readonly nodes: readonly Apply[],
    /** Compile time, split by phase. */
    readonly compileTime: CompileTime,
  ) {
    this.nodeTimes = new Float64Array(nodes.length);
  }

  /** Time in nodes, all together. */
  get nodeTimeMs(): number {
    return this.nodeTimes.reduce((a, b) => a + b, 0);
  }

  /** Nodes from slowest to fastest. */
  byNode(): NodeProfile[] {
    return this.nodes
      .map((node, index) => ({ index, node, label: opLabel(node.op), ms: this.nodeTimes[index] }))
      .sort((a, b) => b.ms - a.ms);
  }

  /** Time per op type: by kind ('Elemwise', 'Dot', …) or by full label ('Elemwise{add}'). */
  byOp(by: 'kind' | 'label' = 'kind'): OpProfile[] {
    const total = this.nodeTimeMs || 1;
    const rows = new Map<string, OpProfile>();
    this.nodes.forEach((node, k) => {
      const key = by === 'kind' ? node.op.kind : opLabel(node.op);
      const row = rows.get(key) ?? { op: key, ms: 0, nodes: 0, fraction: 0 };
      row.ms += this.nodeTimes[k];
      row.nodes++;
      rows.set(key, row);
    });
    return [...rows.values()]
      .map((r) => ({ ...r, fraction: r.ms / total }))
      .sort((a, b) => b.ms - a.ms);
  }

  /** Clear the call statistics (compile time stays). */
  reset(): void {
    this.callCount = 0;
    this.callTimeMs = 0;
    this.nodeTimes.fill(0);
  }

  /** A text report like Theano's profile summary. */
  summary(opts: { top?: number } = {}): string {
    const top = opts.top ?? 10;
    const f = (ms: number) => `${ms.toFixed(3)} ms`;
    const per = this.callCount ? (this.callTimeMs * 1000) / this.callCount : 0;
    const lines = [
      `Function profiling: ${this.name}`,
      `  Compile time: ${f(this.compileTime.totalMs)} (${this.compileTime.phases.map((p) => `${p.phase} ${p.ms.toFixed(2)}`).join(', ')})`,
      `  Calls: ${this.callCount}, total ${f(this.callTimeMs)}, ${per.toFixed(2)} µs per call; in nodes ${f(this.nodeTimeMs)}`,
      '  Op types:',
      ...this.byOp('kind').map(
        (r) =>
          `    ${(100 * r.fraction).toFixed(1).padStart(5)}%  ${f(r.ms).padStart(12)}  ${String(r.nodes).padStart(3)} nodes  ${r.op}`,
      ),
      `  Nodes (top ${top}):`,
      ...this.byNode()
        .slice(0, top)
        .map((r) => `    ${f(r.ms).padStart(12)}  #${r.index} ${r.label}`),
    ];
    return lines.join('\n');
  }
}
