package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * oneDNN's int8 LSTM and GRU give the float32 kernel's results within a bound derived from the
 * quantization steps (see {@link #bound}).
 */
class OneDnnRnnInt8Test {
    @BeforeAll
    static void needsOneDnn() {
        org.junit.jupiter.api.Assumptions.assumeTrue(OneDnn.available(), "oneDNN is off");
    }

    private static INDArray uniform(double scale, long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).muli(2).subi(1).muli(scale);
    }

    /**
     * Step by step from the float kernel's own states (so each step's error is its own, not the
     * sum of the steps before, which a recurrence can amplify past any useful bound): every
     * step's h and c within {@link #bound} of float32's.
     */
    @Test
    void eachStepMatchesFloatWithinTheQuantizationBound() {
        Nd4j.getRandom().setSeed(7);
        for (OneDnnRnn.Cell cell : new OneDnnRnn.Cell[] {OneDnnRnn.Cell.LSTM, OneDnnRnn.Cell.GRU}) {
            int u = 16;
            int f = 12;
            int g = cell.gates;
            INDArray kernel = uniform(0.3, f, g * u);
            INDArray recurrent = uniform(0.2, u, g * u);
            INDArray bias = uniform(0.1, cell.biasGates, u);
            double range = 2.5;
            INDArray x = uniform(range, 5, 8, f);
            OneDnnRnn exact = new OneDnnRnn(cell, u);
            OneDnnRnnInt8.Weights q = OneDnnRnnInt8.quantize(cell, u, kernel, recurrent, bias, range);
            OneDnnRnnInt8 int8 = new OneDnnRnnInt8(q);
            INDArray h = uniform(0.9, 5, u);
            INDArray c = cell == OneDnnRnn.Cell.LSTM ? uniform(2, 5, u) : null;
            double worst = 0;
            for (int t = 0; t < 8; t++) {
                INDArray xt = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(t, t + 1), org.nd4j.linalg.indexing.NDArrayIndex.all())
                    .dup('c');
                OneDnnRnn.Call want = exact.forward(xt, kernel, recurrent, bias, h, c, false, false);
                OneDnnRnnInt8.Call got = int8.forward(xt, h, c, false);
                double cMax = c == null ? 0 : c.amaxNumber().doubleValue();
                double bound = bound(q, f, cMax);
                double dy = Transforms.abs(want.h().sub(got.y().reshape(5, u)), false).maxNumber().doubleValue();
                assertTrue(dy <= bound, cell + " step " + t + " output: " + dy + " > " + bound);
                // the final h comes out 8-bit: half a data step more
                double dh = Transforms.abs(want.h().sub(got.h()), false).maxNumber().doubleValue();
                assertTrue(dh <= bound + 0.5 / OneDnnRnnInt8.DATA_SCALE, cell + " step " + t + " h: " + dh);
                if (c != null) {
                    double dc = Transforms.abs(want.c().sub(got.c()), false).maxNumber().doubleValue();
                    assertTrue(dc <= bound, cell + " step " + t + " c: " + dc + " > " + bound);
                }
                worst = Math.max(worst, dy);
                h = want.h();
                c = want.c();
            }
            assertTrue(worst > 0, "int8 really ran (its results differ from float's)");
        }
    }

    @Test
    void wholeSequencesRunInBothDirections() {
        Nd4j.getRandom().setSeed(8);
        for (OneDnnRnn.Cell cell : new OneDnnRnn.Cell[] {OneDnnRnn.Cell.LSTM, OneDnnRnn.Cell.GRU}) {
            int u = 16;
            INDArray kernel = uniform(0.3, 12, cell.gates * u);
            INDArray recurrent = uniform(0.2, u, cell.gates * u);
            INDArray x = uniform(1, 5, 30, 12);
            OneDnnRnnInt8 int8 = new OneDnnRnnInt8(OneDnnRnnInt8.quantize(cell, u, kernel, recurrent, null, 1));
            for (boolean reverse : new boolean[] {false, true}) {
                OneDnnRnn.Call want = new OneDnnRnn(cell, u).forward(x, kernel, recurrent, null, null, null, reverse,
                    false);
                OneDnnRnnInt8.Call got = int8.forward(x, null, null, reverse);
                // a contracting recurrence keeps the steps' errors from adding up: a few data steps
                double worst = Transforms.abs(want.y().sub(got.y()), false).maxNumber().doubleValue();
                assertTrue(worst < 4 / OneDnnRnnInt8.DATA_SCALE, cell + (reverse ? " reversed: " : ": ") + worst);
            }
        }
    }

    /**
     * A worst-case bound on one step's |h_int8 - h_float| (and an LSTM's |c_int8 - c_float|).
     * Gate column c's pre-activation sums the input's and the state's products: each weight is off
     * by at most half its step, 0.5 / s_c, against values of at most 1 (x' and h lie in [-1, 1]);
     * each value by at most half a data step, 0.5 / 127, against |W|: so
     * delta_c <= (F + U) 0.5 / s_c + (|W'_x[:, c]|_1 + |W_h[:, c]|_1) 0.5 / 127.
     * The gates carry it through slopes of at most 1/4 (sigmoid) and 1 (tanh). LSTM:
     * |dc| <= d_f / 4 |c_prev| + d_i / 4 + d_g and |dh| <= d_o / 4 + |dc|. GRU (reset before the
     * product, r h quantized again): |dhh| <= d_h + |W_h|_1 (d_r / 4 + 0.5 / 127) and
     * |dh| <= 2 d_z / 4 + |dhh|.
     */
    private static double bound(OneDnnRnnInt8.Weights q, int features, double cMax) {
        int u = q.units();
        int g = q.cell().gates;
        double[] delta = new double[g];
        double[] rec = new double[g];
        INDArray wx = q.kernel().castTo(DataType.FLOAT);
        INDArray wh = q.recurrentKernel().castTo(DataType.FLOAT);
        for (int c = 0; c < g * u; c++) {
            double s = q.scales().getDouble(c);
            double l1x = Transforms.abs(wx.getColumn(c), true).sumNumber().doubleValue() / s;
            double l1h = Transforms.abs(wh.getColumn(c), true).sumNumber().doubleValue() / s;
            double d = (features + u) * 0.5 / s + (l1x + l1h) * 0.5 / OneDnnRnnInt8.DATA_SCALE;
            delta[c / u] = Math.max(delta[c / u], d);
            rec[c / u] = Math.max(rec[c / u], l1h);
        }
        if (q.cell() == OneDnnRnn.Cell.LSTM) {
            double dc = delta[1] / 4 * cMax + delta[0] / 4 + delta[2];
            return delta[3] / 4 + dc + 1e-5;
        }
        double dhh = delta[2] + rec[2] * (delta[1] / 4 + 0.5 / OneDnnRnnInt8.DATA_SCALE);
        return 2 * delta[0] / 4 + dhh + 1e-5;
    }

    /** A new shape (a served request's length, a padded batch's chunk) reuses the weights packed for another. */
    @Test
    void shapesShareTheirPackedWeightsAndGiveAFreshKernelsResults() {
        Nd4j.getRandom().setSeed(9);
        OneDnnRnn.Cell cell = OneDnnRnn.Cell.LSTM;
        int u = 16;
        OneDnnRnnInt8.Weights q = OneDnnRnnInt8.quantize(cell, u, uniform(0.3, 12, 4 * u), uniform(0.2, u, 4 * u),
            uniform(0.1, 4, u), 2);
        OneDnnRnnInt8 served = new OneDnnRnnInt8(q);
        for (long[] shape : new long[][] {{4, 9}, {1, 23}, {8, 5}, {1, 23}}) {
            INDArray x = uniform(2, shape[0], shape[1], 12);
            INDArray got = served.forward(x, null, null, true).y();
            INDArray fresh = new OneDnnRnnInt8(q).forward(x, null, null, true).y();
            org.junit.jupiter.api.Assertions.assertEquals(fresh, got, "shape " + java.util.Arrays.toString(shape));
        }
        org.junit.jupiter.api.Assertions.assertEquals(2, served.packings(),
            "the kernel and the recurrent kernel packed once for every shape");
    }
}
