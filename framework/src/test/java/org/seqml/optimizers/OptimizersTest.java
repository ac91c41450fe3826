package org.seqml.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
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
    void fusedUpdatesFollowTheEquationsInFloat64() {
        // the plain passes on float64 weights are the equations in float64
        assertFusedMatchesFloat64(() -> new Adam(0.01), 0, 1);
        assertFusedMatchesFloat64(() -> new Adam(0.01).amsgrad(true), 0, 1, 2);
        assertFusedMatchesFloat64(() -> new SGD(0.1));
        assertFusedMatchesFloat64(() -> new SGD(0.1).momentum(0.9), 0);
        assertFusedMatchesFloat64(() -> new SGD(0.1).momentum(0.9).nesterov(true), 0);
        assertFusedMatchesFloat64(() -> new AdamW(0.01).weightDecay(0.1), 0, 1);
        assertFusedMatchesFloat64(() -> new RMSprop(0.01), 0, 1, 2);
        assertFusedMatchesFloat64(() -> new RMSprop(0.01).centered(true), 0, 1, 2);
        assertFusedMatchesFloat64(() -> new RMSprop(0.01).momentum(0.9), 0, 1, 2);
        assertFusedMatchesFloat64(() -> new RMSprop(0.01).centered(true).momentum(0.5).rho(0.8), 0, 1, 2);
        assertFusedMatchesFloat64(() -> new Adagrad(0.05), 0);
    }

    /**
     * Three steps of the fused update on float32 weights and of the plain passes on float64 ones,
     * from the same start and gradients (a small one in step 2, so second moments shrink): weights
     * and the listed slots agree within float32 rounding, 4 ulps of the largest value.
     */
    private static void assertFusedMatchesFloat64(java.util.function.Supplier<Optimizer> make, int... slotsCompared) {
        org.seqml.RandomSeed.set(11);
        INDArray w0 = Nd4j.rand(DataType.FLOAT, 37, 5).subi(0.5);
        Parameter single = new Parameter("single", w0.dup());
        Parameter wide = new Parameter("double", w0.castTo(DataType.DOUBLE));
        Optimizer fused = make.get();
        Optimizer plain = make.get().plain();
        String name = fused.getClass().getSimpleName() + " " + java.util.Arrays.toString(slotsCompared);
        for (int t = 1; t <= 3; t++) {
            INDArray g = Nd4j.randn(DataType.FLOAT, 37, 5).muli(t == 2 ? 1e-3 : 1.0);
            single.zeroGrad();
            wide.zeroGrad();
            single.accumulate(g);
            wide.accumulate(g.castTo(DataType.DOUBLE));
            fused.apply(List.of(single));
            plain.apply(List.of(wide));
            assertWithinFloatRounding(wide.value(), single.value(), name + " w, step " + t);
            for (int i : slotsCompared) {
                assertWithinFloatRounding(plain.slots(wide)[i], fused.slots(single)[i], name + " slot " + i + ", step " + t);
            }
        }
        assertTrue(single.value().sub(w0).amaxNumber().doubleValue() > 1e-3, name + ": the weights moved");
        assertEquals(3, fused.fusedRuns(), name + ": every step took the fused passes");
        assertEquals(0, plain.fusedRuns(), name + ": the reference took none");
    }

    private static void assertWithinFloatRounding(INDArray expected, INDArray got, String what) {
        double scale = expected.amaxNumber().doubleValue();
        double diff = expected.sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 4 * Math.ulp((float) scale), what + ": largest difference " + diff + " at scale " + scale);
    }

    @Test
    void anOptionGivesANewOptimizerWithoutStateAndLeavesTheOriginalAsItWas() {
        Parameter p = new Parameter("w", Nd4j.ones(DataType.FLOAT, 4));
        Adam adam = new Adam(0.1);
        p.accumulate(Nd4j.ones(DataType.FLOAT, 4));
        adam.apply(List.of(p));
        Adam changed = adam.beta1(0.5);
        assertTrue(changed != adam);
        assertEquals(1, adam.iterations());
        assertTrue(adam.slots(p) != null);
        assertEquals(0, changed.iterations());
        assertTrue(changed.slots(p) == null, "a new optimizer starts without state");
        Optimizer clipped = changed.clipnorm(1.0);
        p.zeroGrad();
        p.accumulate(Nd4j.ones(DataType.FLOAT, 4).muli(100));
        INDArray before = p.value().dup();
        clipped.apply(List.of(p));
        // first Adam step: each weight moves by the rate whatever the gradient's size
        assertEquals(0.1, before.sub(p.value()).getDouble(0), 1e-5);
        assertTrue(clipped instanceof Adam);
    }

    @Test
    void fusedAndPlainAdamAgreeOnALargeWeight() {
        org.seqml.RandomSeed.set(4);
        INDArray w0 = Nd4j.rand(DataType.FLOAT, 1 << 19, 3).subi(0.5);
        Parameter fused = new Parameter("fused", w0.dup());
        Parameter plain = new Parameter("plain", w0.dup());
        Adam a = new Adam(0.01).amsgrad(true);
        Optimizer b = new Adam(0.01).amsgrad(true).plain();
        for (int step = 0; step < 3; step++) {
            INDArray g = Nd4j.rand(DataType.FLOAT, w0.shape()).subi(0.5);
            fused.zeroGrad();
            plain.zeroGrad();
            fused.accumulate(g);
            plain.accumulate(g);
            a.apply(List.of(fused));
            b.apply(List.of(plain));
        }
        assertEquals(3, a.fusedRuns());
        INDArray diff = Transforms.abs(fused.value().sub(plain.value()));
        assertTrue(diff.maxNumber().doubleValue() < 1e-6, "largest difference " + diff.maxNumber());
        // the weights moved throughout (Adam moves each weight by about the rate, 0.01, a step)
        INDArray moved = Transforms.abs(fused.value().sub(w0)).reshape(4, -1);
        for (int quarter = 0; quarter < 4; quarter++) {
            double mean = moved.getRow(quarter).meanNumber().doubleValue();
            assertTrue(mean > 5e-3, "quarter " + quarter + " moved " + mean);
        }
    }

    @Test
    void fusedAdamLeavesAFreshWeightWithAZeroGradientAndPassesNanOn() {
        // a zero gradient gives m = 0 over sqrt(0) + epsilon: 0, not the NaN of 0/0
        Parameter still = new Parameter("still", Nd4j.createFromArray(0.25f, -1f, 3f));
        new Adam(0.01).apply(List.of(still));
        assertEquals(Nd4j.createFromArray(0.25f, -1f, 3f), still.value());
        Parameter p = new Parameter("p", Nd4j.createFromArray(1f, 2f));
        p.accumulate(Nd4j.createFromArray(Float.NaN, 0.5f));
        new Adam(0.01).apply(List.of(p));
        assertTrue(Double.isNaN(p.value().getDouble(0)), "NaN kept, got " + p.value());
        assertEquals(2 - 0.01, p.value().getDouble(1), 1e-6);   // the first step moves by the rate
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
