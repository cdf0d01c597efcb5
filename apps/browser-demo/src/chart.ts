/**
 * The live training chart (uPlot): minibatch loss on the left axis; minibatch accuracy and the
 * test accuracy after each epoch on the right axis, against the minibatch count.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** The chart and the series it shows (kept in step with what is drawn). */
export interface TrainingChart {
  readonly plot: uPlot;
  /** Minibatches seen so far (the x values). */
  readonly steps: number[];
  readonly loss: number[];
  readonly accuracy: number[];
  /** Test accuracy at the last minibatch of each epoch, null elsewhere. */
  readonly testAccuracy: (number | null)[];
  /** Append one minibatch's loss and accuracy. */
  addBatch(loss: number, accuracy: number): void;
  /** Mark the test accuracy at the latest minibatch. */
  addTestAccuracy(accuracy: number): void;
  /** Forget every point. */
  clear(): void;
}

/** Create the chart inside `el`, `width` pixels wide. */
export function createChart(el: HTMLElement, width: number): TrainingChart {
  const steps: number[] = [];
  const loss: number[] = [];
  const accuracy: number[] = [];
  const testAccuracy: (number | null)[] = [];
  const plot = new uPlot(
    {
      width,
      height: 280,
      scales: { x: { time: false }, acc: { range: [0, 1] } },
      axes: [
        { label: 'minibatch' },
        { label: 'loss', scale: 'y' },
        { label: 'accuracy', scale: 'acc', side: 1, grid: { show: false } },
      ],
      series: [
        { label: 'minibatch' },
        { label: 'loss', stroke: '#d62728', width: 1.5, scale: 'y' },
        { label: 'accuracy', stroke: '#1f77b4', width: 1, scale: 'acc' },
        {
          label: 'test accuracy',
          stroke: '#2ca02c',
          width: 2,
          scale: 'acc',
          spanGaps: true,
          points: { show: true, size: 7 },
        },
      ],
    },
    [steps, loss, accuracy, testAccuracy],
    el,
  );
  const redraw = () => plot.setData([steps, loss, accuracy, testAccuracy]);
  return {
    plot,
    steps,
    loss,
    accuracy,
    testAccuracy,
    addBatch(l, a) {
      steps.push(steps.length + 1);
      loss.push(l);
      accuracy.push(a);
      testAccuracy.push(null);
      redraw();
    },
    addTestAccuracy(a) {
      if (testAccuracy.length) testAccuracy[testAccuracy.length - 1] = a;
      redraw();
    },
    clear() {
      for (const s of [steps, loss, accuracy, testAccuracy]) s.length = 0;
      redraw();
    },
  };
}
