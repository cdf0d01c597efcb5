/**
 * theano.printing.pp and debugprint on three whole graphs: the gradient tutorial's, a linear
 * algebra cost with several-output ops, and a convnet's gradient plus a jacobian's inner graph.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { grad, jacobian } from './index';

const lines = (...l: string[]) => l.join('\n');

describe('printing whole graphs (theano.printing.pp / debugprint)', () => {
  it('1. the tutorial gradient of x ** 2', () => {
    const x = T.dscalar('x');
    const gy = grad(T.pow(x, 2), x);
    // Theano: ((fill((x ** TensorConstant{2}), TensorConstant{1.0}) * TensorConstant{2}) * (x ** (TensorConstant{2} - TensorConstant{1})))
    expect(T.pp(gy)).toBe(
      '((TensorConstant{1} * TensorConstant{2}) * (x ** (TensorConstant{2} - TensorConstant{1})))',
    );
    expect(T.debugprint(gy)).toBe(
      lines(
        'Elemwise{mul} [id A]',
        ' |Elemwise{mul} [id B]',
        ' | |TensorConstant{1} [id C]',
        ' | |TensorConstant{2} [id D]',
        ' |Elemwise{pow} [id E]',
        '   |x [id F]',
        '   |Elemwise{sub} [id G]',
        '     |TensorConstant{2} [id D]',
        '     |TensorConstant{1} [id H]',
      ),
    );
  });

  it('2. a linear algebra cost: several-output ops, names, types', () => {
    const A = T.dmatrix('A');
    const b = T.dvector('b');
    const [sign, logdet] = T.slogdet(A);
    const x = T.solve(A, b);
    x.name = 'x';
    const cost = T.add(T.sum(T.sqr(T.sub(x, b))), T.mul(sign, T.mul(logdet, 0.5)));
    expect(T.pp(cost)).toBe(
      '(sum(sqr((Solve(A, b) - b)), axis=[0]) + (SLogDet.0(A) * (SLogDet.1(A) * TensorConstant{0.5})))',
    );
    expect(T.debugprint(cost, { printType: true })).toBe(
      lines(
        'Elemwise{add} [id A] <float64 scalar>',
        ' |CAReduce{add, axes=[0]} [id B] <float64 scalar>',
        ' | |Elemwise{sqr} [id C] <float64 vector>',
        ' |   |Elemwise{sub} [id D] <float64 vector>',
        " |     |Solve [id E] 'x' <float64 vector>",
        ' |     | |A [id F] <float64 matrix>',
        ' |     | |b [id G] <float64 vector>',
        ' |     |b [id G] <float64 vector>',
        ' |Elemwise{mul} [id H] <float64 scalar>',
        '   |SLogDet.0 [id I] <float64 scalar>',
        '   | |A [id F] <float64 matrix>',
        '   |Elemwise{mul} [id J] <float64 scalar>',
        '     |SLogDet.1 [id I] <float64 scalar>',
        '     |TensorConstant{0.5} [id K] <float32 scalar>',
      ),
    );
  });

  it('3. a convnet gradient, and a jacobian with its inner graph', () => {
    const img = T.dtensor4('img');
    const W = T.dtensor4('W');
    const h = T.pool2d(T.conv2d(img, W, { borderMode: 'half' }), {
      ws: 2,
      mode: 'average_exc_pad',
    });
    const gW = grad(T.sum(h), W);
    const conv = 'Conv2d{half, subsample=(1, 1), dilation=(1, 1), flip=true, groups=1}';
    const pool = '{average_exc_pad, ws=(2, 2), stride=(2, 2), pad=(0, 0), ignoreBorder=true}';
    expect(T.pp(gW)).toBe(
      `Conv2dGradWeights{half, subsample=(1, 1), dilation=(1, 1), flip=true, groups=1}(img, AveragePoolGrad${pool}(${conv}(img, W), second(Pool${pool}(${conv}(img, W)), TensorConstant{1})), MakeVector(Shape_i{2}(W), Shape_i{3}(W)))`,
    );
    expect(T.debugprint(gW)).toBe(
      lines(
        'Conv2dGradWeights{half, subsample=(1, 1), dilation=(1, 1), flip=true, groups=1} [id A]',
        ' |img [id B]',
        ` |AveragePoolGrad${pool} [id C]`,
        ` | |${conv} [id D]`,
        ' | | |img [id B]',
        ' | | |W [id E]',
        ' | |Elemwise{second} [id F]',
        ` |   |Pool${pool} [id G]`,
        ` |   | |${conv} [id D]`,
        ' |   |DimShuffle{x,x,x,x} [id H]',
        ' |     |TensorConstant{1} [id I]',
        ' |MakeVector [id J]',
        '   |Shape_i{2} [id K]',
        '   | |W [id E]',
        '   |Shape_i{3} [id L]',
        '     |W [id E]',
      ),
    );
    const v = T.dvector('v');
    const J = jacobian(T.matmul(T.dmatrix('M'), T.exp(v)), v);
    const label = `Jacobian{${(J.owner!.op.params as T.OpParams['Jacobian']).inner.id}}`;
    expect(T.debugprint(J)).toBe(
      lines(
        `${label} [id A]`,
        ' |v [id B]',
        ' |M [id C]',
        '',
        'Inner graphs:',
        '',
        `${label} [id A]`,
        ' >Elemwise{mul} [id D]',
        ' > |Dot [id E]',
        ' > | |DimShuffle{1,0} [id F]',
        ' > | | |M [id C]',
        ' > | |cotangent [id G]',
        ' > |Elemwise{exp} [id H]',
        ' >   |v [id B]',
      ),
    );
  });
});
