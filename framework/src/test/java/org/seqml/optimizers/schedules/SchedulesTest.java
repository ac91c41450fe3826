package org.seqml.optimizers.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Parameter;
import org.seqml.optimizers.SGD;

/** Each schedule against Keras's formula computed by hand. */
class SchedulesTest {

    @Test
    void exponentialAndInverseTimeDecay() {
        assertEquals(0.1 * Math.pow(0.5, 1.5), new ExponentialDecay(0.1, 100, 0.5).rate(150), 1e-15);
        assertEquals(0.1 * 0.5, new ExponentialDecay(0.1, 100, 0.5).staircase(true).rate(150), 1e-15);
        assertEquals(0.1 / (1 + 0.5 * 1.5), new InverseTimeDecay(0.1, 100, 0.5).rate(150), 1e-15);
        assertEquals(0.1 / 1.5, new InverseTimeDecay(0.1, 100, 0.5).staircase(true).rate(150), 1e-15);
    }

    @Test
    void piecewiseConstantIncludesTheBoundaryInTheEarlierPiece() {
        PiecewiseConstantDecay p = new PiecewiseConstantDecay(new long[] {10, 20}, new double[] {1, 0.5, 0.1});
        assertEquals(1.0, p.rate(10));
        assertEquals(0.5, p.rate(11));
        assertEquals(0.5, p.rate(20));
        assertEquals(0.1, p.rate(21));
        assertThrows(IllegalArgumentException.class, () -> new PiecewiseConstantDecay(new long[] {1}, new double[] {1}));
    }

    @Test
    void polynomialDecayWithAndWithoutCycle() {
        PolynomialDecay linear = new PolynomialDecay(1.0, 100).end(0.0);
        assertEquals(0.75, linear.rate(25), 1e-15);
        assertEquals(0.0, linear.rate(250), 1e-15);
        PolynomialDecay cycling = new PolynomialDecay(1.0, 100).end(0.0).power(2).cycle(true);
        // step 150: D = 200, (1 - 150/200)^2
        assertEquals(0.0625, cycling.rate(150), 1e-15);
    }

    @Test
    void cosineDecayWithWarmup() {
        CosineDecay c = new CosineDecay(0.0, 100).warmup(1.0, 10).alpha(0.1);
        assertEquals(0.5, c.rate(5), 1e-15);
        assertEquals(1.0, c.rate(10), 1e-15);
        assertEquals(0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)) + 0.1, c.rate(60), 1e-15);
        assertEquals(0.1, c.rate(500), 1e-15);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.25)), new CosineDecay(1.0, 100).rate(25), 1e-15);
    }

    @Test
    void cosineDecayRestartsLengthensAndLowersEachPeriod() {
        CosineDecayRestarts r = new CosineDecayRestarts(1.0, 10).mMul(0.5);
        assertEquals(1.0, r.rate(0), 1e-15);
        assertEquals(0.5, r.rate(10), 1e-12, "second period starts at half the peak");
        // second period has length 20: step 20 is halfway
        assertEquals(0.5 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), r.rate(20), 1e-12);
        assertEquals(0.25, r.rate(30), 1e-12, "third period at a quarter");
        CosineDecayRestarts same = new CosineDecayRestarts(1.0, 10).tMul(1.0);
        assertEquals(same.rate(3), same.rate(13), 1e-12);
    }

    @Test
    void anOptimizerStepsThroughItsSchedule() {
        SGD sgd = new SGD(new PiecewiseConstantDecay(new long[] {0}, new double[] {1.0, 0.1}));
        Parameter p = new Parameter("w", Nd4j.zeros(DataType.DOUBLE, 1));
        for (int i = 0; i < 2; i++) {
            p.zeroGrad();
            p.accumulate(Nd4j.ones(DataType.DOUBLE, 1));
            sgd.apply(List.of(p));
        }
        assertEquals(-1.1, p.value().getDouble(0), 1e-12, "step 0 at rate 1, step 1 at rate 0.1");
        assertEquals(0.1, sgd.learningRate(), 1e-15);
        assertThrows(IllegalStateException.class, () -> sgd.setLearningRate(0.5));
    }
}
