package org.seqml.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.layers.Parameter;
import org.seqml.testing.DoublePrecision;

/** Each optimizer against Keras's update rule computed by hand for two steps on a scalar. */
@ExtendWith(DoublePrecision.class)
class OptimizersTest {

    /** Runs two steps with gradients g1 then g2 from w = 1; returns w after each. */
    private static double[] twoSteps(Optimizer opt, double g1, double g2) {
        Parameter p = new Parameter("w", Nd4j.create(new double[] {1.0}));
        double[] out = new double[2];
        double[] grads = {g1, g2};
        for (int s = 0; s < 2; s++) {
            p.zeroGrad();
            p.accumulate(Nd4j.create(new double[] {grads[s]}));
            opt.apply(List.of(p));
            out[s] = p.value().getDouble(0);
        }
        return out;
    }

    @Test
    void sgdWithMomentumAndNesterovFollowsKeras() {
        assertEquals(1 - 0.1 * 0.5, twoSteps(new SGD(0.1), 0.5, 0.5)[0], 1e-12);
        // m1 = -0.1*0.5 = -0.05; w1 = 0.95; m2 = 0.9*-0.05 - 0.1*0.2 = -0.065; w2 = 0.885
        double[] classic = twoSteps(new SGD(0.1).momentum(0.9), 0.5, 0.2);
        assertEquals(0.95, classic[0], 1e-12);
        assertEquals(0.885, classic[1], 1e-12);
        // nesterov: w1 = 1 + 0.9*-0.05 - 0.05 = 0.905; w2 = 0.905 + 0.9*-0.065 - 0.02 = 0.8265
        double[] nesterov = twoSteps(new SGD(0.1).momentum(0.9).nesterov(true), 0.5, 0.2);
        assertEquals(0.905, nesterov[0], 1e-12);
        assertEquals(0.8265, nesterov[1], 1e-12);
    }

    @Test
    void adamFollowsKeras() {
        double lr = 0.01;
        double m = 0;
        double v = 0;
        double w = 1;
        double[] g = {0.5, -0.2};
        double[] got = twoSteps(new Adam(lr), g[0], g[1]);
        for (int t = 1; t <= 2; t++) {
            m += (g[t - 1] - m) * 0.1;
            v += (g[t - 1] * g[t - 1] - v) * 0.001;
            double a = lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
            w -= a * m / (Math.sqrt(v) + 1e-7);
            assertEquals(w, got[t - 1], 1e-12);
        }
    }

    @Test
    void fastAdamStepsEqualThePlainReferenceWithAndWithoutAmsgrad() {
        for (boolean amsgrad : new boolean[] {false, true}) {
            org.seqml.RandomSeed.set(3);
            INDArray w0 = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 64, 33).subi(0.5);
            Parameter[] both = fastAndReference(w0, 6, 1e-3, amsgrad);
            assertTrue(both[0].value().sub(w0).norm2Number().doubleValue() > 0.1, "the weights moved");
            assertTrue(both[0].value().equalsWithEps(both[1].value(), 1e-6), "fast and reference agree");
        }
    }

    /**
     * w0 after {@code steps} steps of the fast Adam (oneDNN's square root, halves on two threads)
     * and of the plain one, on the same random gradients.
     */
    private static Parameter[] fastAndReference(INDArray w0, int steps, double oddStepScale, boolean amsgrad) {
        Parameter fused = new Parameter("fast", w0.dup());
        Parameter reference = new Parameter("reference", w0.dup());
        Adam a = new Adam(0.01).amsgrad(amsgrad);
        Adam b = new Adam(0.01).amsgrad(amsgrad).reference();
        for (int step = 0; step < steps; step++) {
            INDArray g = Nd4j.rand(w0.dataType(), w0.shape()).subi(0.5).muli(step % 2 == 0 ? 1 : oddStepScale);
            fused.zeroGrad();
            reference.zeroGrad();
            fused.accumulate(g);
            reference.accumulate(g);
            a.apply(List.of(fused));
            b.apply(List.of(reference));
        }
        return new Parameter[] {fused, reference};
    }

    @Test
    void aLargeWeightUpdatedWithOneDnnsSquareRootEqualsThePlainReference() {
        org.seqml.RandomSeed.set(4);
        INDArray w0 = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1 << 19, 3).subi(0.5);
        Parameter[] both = fastAndReference(w0, 3, 1.0, true);
        INDArray diff = Transforms.abs(both[0].value().sub(both[1].value()));
        assertTrue(diff.maxNumber().doubleValue() < 1e-6, "largest difference " + diff.maxNumber());
        // the weights moved throughout (Adam moves each weight by about the rate, 0.01, a step)
        INDArray moved = Transforms.abs(both[0].value().sub(w0)).reshape(4, -1);
        for (int quarter = 0; quarter < 4; quarter++) {
            double mean = moved.getRow(quarter).meanNumber().doubleValue();
            assertTrue(mean > 5e-3, "quarter " + quarter + " moved " + mean);
        }
    }

    @Test
    void adamWDecaysWeightsBeforeTheAdamStep() {
        double[] plain = twoSteps(new Adam(0.01), 0.5, 0.5);
        double[] decayed = twoSteps(new AdamW(0.01).weightDecay(0.1), 0.5, 0.5);
        // step 1: w = 1 * (1 - 0.01 * 0.1) then the same Adam step as plain
        assertEquals(plain[0] - 0.001, decayed[0], 1e-12);
    }

    @Test
    void rmspropFollowsKeras() {
        double v1 = 0.1 * 0.25;
        double w1 = 1 - 0.01 * 0.5 / Math.sqrt(v1 + 1e-7);
        double v2 = 0.9 * v1 + 0.1 * 0.04;
        double w2 = w1 - 0.01 * -0.2 / Math.sqrt(v2 + 1e-7);
        double[] got = twoSteps(new RMSprop(0.01), 0.5, -0.2);
        assertEquals(w1, got[0], 1e-12);
        assertEquals(w2, got[1], 1e-12);
        // centered: a1 = 0.05; d1 = v1 - a1^2 + eps
        double c1 = 1 - 0.01 * 0.5 / Math.sqrt(v1 - 0.0025 + 1e-7);
        assertEquals(c1, twoSteps(new RMSprop(0.01).centered(true), 0.5, 0.5)[0], 1e-12);
        // momentum: m1 = step1; w1 = 1 - m1; m2 = 0.5 m1 + step2
        double step1 = 0.01 * 0.5 / Math.sqrt(v1 + 1e-7);
        double step2 = 0.01 * -0.2 / Math.sqrt(v2 + 1e-7);
        double[] mom = twoSteps(new RMSprop(0.01).momentum(0.5), 0.5, -0.2);
        assertEquals(1 - step1 - (0.5 * step1 + step2), mom[1], 1e-12);
    }

    @Test
    void adagradStartsItsAccumulatorAtPointOne() {
        double s1 = 0.1 + 0.25;
        assertEquals(1 - 0.01 * 0.5 / Math.sqrt(s1 + 1e-7), twoSteps(new Adagrad(0.01), 0.5, 0.5)[0], 1e-12);
    }

    @Test
    void clippingByNormValueAndGlobalNorm() {
        Parameter a = new Parameter("a", Nd4j.create(new double[] {0, 0}));
        Parameter b = new Parameter("b", Nd4j.create(new double[] {0}));
        a.accumulate(Nd4j.create(new double[] {3, 4}));
        b.accumulate(Nd4j.create(new double[] {12}));
        new SGD(1.0).globalClipnorm(1.3).apply(List.of(a, b));   // global norm 13 -> scale 0.1
        assertEquals(Nd4j.create(new double[] {-0.3, -0.4}), a.value());
        assertEquals(-1.2, b.value().getDouble(0), 1e-12);

        Parameter c = new Parameter("c", Nd4j.create(new double[] {0, 0}));
        c.accumulate(Nd4j.create(new double[] {3, 4}));
        new SGD(1.0).clipnorm(1.0).apply(List.of(c));
        assertEquals(Nd4j.create(new double[] {-0.6, -0.8}), c.value());

        Parameter d = new Parameter("d", Nd4j.create(new double[] {0, 0}));
        d.accumulate(Nd4j.create(new double[] {3, -0.2}));
        new SGD(1.0).clipvalue(0.5).apply(List.of(d));
        INDArray expected = Nd4j.create(new double[] {-0.5, 0.2});
        assertEquals(expected, d.value());
        assertThrows(IllegalArgumentException.class, () -> new SGD().clipnorm(1).clipvalue(1));
    }

    @Test
    void defaultsAreKeras() {
        assertEquals(0.01, new SGD().learningRate());
        assertEquals(0.001, new Adam().learningRate());
        assertEquals(0.001, new RMSprop().learningRate());
        assertEquals(0.001, new Adagrad().learningRate());
        assertEquals("adamw", Optimizer.get("AdamW").kerasName());
    }
}
