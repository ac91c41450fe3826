package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** oneDNN's three fused Adam passes against Adam's equations in float64. */
class OneDnnAdamTest {
    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-7;

    /** Three steps on random gradients; each compared with the float64 update of the same state. */
    private static void assertStepsFollowTheEquations(long[] shape, boolean amsgrad) {
        org.seqml.RandomSeed.set(11);
        INDArray w = Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
        INDArray m = Nd4j.zeros(DataType.FLOAT, shape);
        INDArray v = Nd4j.zeros(DataType.FLOAT, shape);
        INDArray vmax = amsgrad ? Nd4j.zeros(DataType.FLOAT, shape) : null;
        for (int t = 1; t <= 3; t++) {
            // a small gradient on step 2 makes v shrink, where amsgrad's max differs from v
            INDArray g = Nd4j.randn(DataType.FLOAT, shape).muli(t == 2 ? 1e-3 : 1.0);
            double alpha = 0.01 * Math.sqrt(1 - Math.pow(B2, t)) / (1 - Math.pow(B1, t));
            INDArray wd = w.castTo(DataType.DOUBLE);
            INDArray gd = g.castTo(DataType.DOUBLE);
            INDArray md = m.castTo(DataType.DOUBLE).muli(B1).addi(gd.mul(1 - B1));
            INDArray vd = v.castTo(DataType.DOUBLE).muli(B2).addi(gd.mul(gd).muli(1 - B2));
            INDArray vmaxd = amsgrad ? Transforms.max(vmax.castTo(DataType.DOUBLE), vd, true) : null;
            INDArray expected = wd.sub(md.div(Transforms.sqrt(amsgrad ? vmaxd : vd, true).addi(EPS)).muli(alpha));
            assertTrue(OneDnnAdam.step(w, g, m, v, vmax, B1, B2, EPS, alpha), "took oneDNN");
            assertClose(expected, w, "w, step " + t);
            assertClose(md, m, "m, step " + t);
            assertClose(vd, v, "v, step " + t);
            if (amsgrad) {
                assertClose(vmaxd, vmax, "vmax, step " + t);
            }
        }
    }

    /** Within float32 rounding of the values themselves: 2 ulps of the largest. */
    private static void assertClose(INDArray expected, INDArray got, String what) {
        double scale = expected.amaxNumber().doubleValue();
        double diff = expected.sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 2 * Math.ulp((float) scale), what + ": largest difference " + diff + " at scale " + scale);
    }

    @Test
    void stepsFollowAdamsEquationsOnAMatrixAndAVector() {
        assertStepsFollowTheEquations(new long[] {37, 5}, false);
        assertStepsFollowTheEquations(new long[] {1000}, false);
    }

    @Test
    void amsgradDividesByTheLargestSecondMomentSoFar() {
        assertStepsFollowTheEquations(new long[] {64, 3}, true);
    }

    @Test
    void aZeroGradientOnAFreshWeightLeavesItWhereItIs() {
        INDArray w = Nd4j.createFromArray(0.25f, -1f, 3f);
        INDArray zeros = Nd4j.zeros(DataType.FLOAT, 3);
        assertTrue(OneDnnAdam.step(w, zeros.dup(), zeros.dup(), zeros.dup(), null, 0.9, 0.999, 1e-7, 0.01));
        assertEquals(Nd4j.createFromArray(0.25f, -1f, 3f), w);
    }

    @Test
    void aNanGradientReachesTheWeightAsInThePlainPath() {
        INDArray w = Nd4j.createFromArray(1f, 2f);
        INDArray g = Nd4j.createFromArray(Float.NaN, 0.5f);
        INDArray zeros = Nd4j.zeros(DataType.FLOAT, 2);
        assertTrue(OneDnnAdam.step(w, g, zeros.dup(), zeros.dup(), null, 0.9, 0.999, 1e-7, 0.01));
        assertTrue(Double.isNaN(w.getDouble(0)), "NaN kept, got " + w);
        // m = 0.1 * 0.5, v = 0.001 * 0.25; alpha is given, bias correction included
        assertEquals(2 - 0.01 * 0.05 / (Math.sqrt(0.00025) + 1e-7), w.getDouble(1), 1e-6);
    }

    @Test
    void declinesViewsAndDoublesLeavingThemUnchanged() {
        INDArray whole = Nd4j.rand(DataType.FLOAT, 10);
        INDArray view = whole.get(NDArrayIndex.interval(5, 10));
        INDArray before = whole.dup();
        INDArray g = Nd4j.rand(DataType.FLOAT, 5);
        assertFalse(OneDnnAdam.step(view, g, Nd4j.zeros(DataType.FLOAT, 5), Nd4j.zeros(DataType.FLOAT, 5), null,
            0.9, 0.999, 1e-7, 0.01));
        assertEquals(before, whole);
        INDArray d = Nd4j.rand(DataType.DOUBLE, 4);
        assertFalse(OneDnnAdam.step(d, d.dup(), d.dup(), d.dup(), null, 0.9, 0.999, 1e-7, 0.01));
        assertFalse(OneDnnAdam.step(whole, g, g, g, null, 0.9, 0.999, 1e-7, 0.01), "lengths differ");
    }
}
