package org.seqml.activations;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The built-in activations, with Keras's definitions.
 *
 * <pre>
 * linear(x)              = x
 * relu(x)                = max(x, 0)
 * sigmoid(x)             = 1 / (1 + exp(-x))
 * tanh(x)                = tanh(x)
 * softmax(x)_i           = exp(x_i) / sum_j exp(x_j)          (last axis)
 * hard_sigmoid(x)        = relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1)     (Keras 3)
 * hard_sigmoid_keras2(x) = clip(0.2 x + 0.5, 0, 1)            (Keras 2.x)
 * gelu(x)                = x/2 (1 + erf(x / sqrt 2))           (exact, Keras's default)
 * swish(x) = silu(x)     = x sigmoid(x)
 * </pre>
 */
public enum Activations implements Activation {
    LINEAR {
        @Override
        public INDArray apply(INDArray x) {
            return x.dup();
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            return dy;
        }
    },
    RELU {
        @Override
        public INDArray apply(INDArray x) {
            return Transforms.relu(x, true);
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            return dy.mul(x.gt(0).castTo(dy.dataType()));
        }
    },
    SIGMOID {
        @Override
        public INDArray apply(INDArray x) {
            return Transforms.sigmoid(x, true);
        }

        @Override
        public void applyTo(INDArray x, INDArray out) {
            Ops.sigmoid(x, out);
        }

        @Override
        public void backwardTo(INDArray x, INDArray y, INDArray dy, INDArray out) {
            Ops.sigmoidBackward(x, dy, out);
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            // dy * y * (1 - y)
            return y.rsub(1.0).muli(y).muli(dy);
        }
    },
    TANH {
        @Override
        public INDArray apply(INDArray x) {
            return Transforms.tanh(x, true);
        }

        @Override
        public void applyTo(INDArray x, INDArray out) {
            Ops.tanh(x, out);
        }

        @Override
        public void backwardTo(INDArray x, INDArray y, INDArray dy, INDArray out) {
            Ops.tanhBackward(x, dy, out);
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            // dy * (1 - y^2)
            return y.mul(y).rsubi(1.0).muli(dy);
        }
    },
    SOFTMAX {
        @Override
        public INDArray apply(INDArray x) {
            if (org.seqml.backend.OneDnnSoftmax.applies(x)) {
                return org.seqml.backend.OneDnnSoftmax.softmax(x, false);   // one pass on every core
            }
            INDArray out = x.ulike();
            Ops.softmax(x, out, x.rank() - 1);
            return out;
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            // dx_i = y_i (dy_i - sum_j dy_j y_j)
            INDArray dot = dy.mul(y).sum(true, y.rank() - 1);
            return dy.sub(dot).muli(y);
        }
    },
    HARD_SIGMOID {
        @Override
        public INDArray apply(INDArray x) {
            return hardSigmoid(x, 1.0 / 6.0);
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            return hardSigmoidBackward(y, dy, 1.0 / 6.0);
        }
    },
    HARD_SIGMOID_KERAS2 {
        @Override
        public INDArray apply(INDArray x) {
            return hardSigmoid(x, 0.2);
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            return hardSigmoidBackward(y, dy, 0.2);
        }
    },
    GELU {
        private static final double INV_SQRT2 = 0.7071067811865476;
        private static final double INV_SQRT_2PI = 0.3989422804014327;

        @Override
        public INDArray apply(INDArray x) {
            return cdf(x).muli(x);
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            // d/dx [x Phi(x)] = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi)
            INDArray pdf = Transforms.exp(x.mul(x).muli(-0.5), false).muli(INV_SQRT_2PI);
            return cdf(x).addi(pdf.muli(x)).muli(dy);
        }

        private INDArray cdf(INDArray x) {
            INDArray erf = x.mul(INV_SQRT2);
            Ops.erfInPlace(erf);
            return erf.addi(1.0).muli(0.5);
        }
    },
    SWISH {
        @Override
        public INDArray apply(INDArray x) {
            return Transforms.sigmoid(x, true).muli(x);
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            // s + x s (1 - s) = s (1 + x (1 - s))
            INDArray s = Transforms.sigmoid(x, true);
            return s.rsub(1.0).muli(x).addi(1.0).muli(s).muli(dy);
        }
    },
    /** Keras 3's alias of swish. */
    SILU {
        @Override
        public INDArray apply(INDArray x) {
            return SWISH.apply(x);
        }

        @Override
        public INDArray backward(INDArray x, INDArray y, INDArray dy) {
            return SWISH.backward(x, y, dy);
        }
    };

    private static INDArray hardSigmoid(INDArray x, double slope) {
        INDArray y = x.mul(slope).addi(0.5);
        return Transforms.min(Transforms.max(y, 0.0, false), 1.0, false);
    }

    /** The slope where the output is strictly inside (0, 1), zero where it is clipped. */
    private static INDArray hardSigmoidBackward(INDArray y, INDArray dy, double slope) {
        INDArray inside = y.gt(0).castTo(dy.dataType()).muli(y.lt(1).castTo(dy.dataType()));
        return inside.muli(dy).muli(slope);
    }

    @Override
    public String kerasName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
        return kerasName();
    }
}
