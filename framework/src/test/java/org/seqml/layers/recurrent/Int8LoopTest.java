package org.seqml.layers.recurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.layers.Forward;
import org.seqml.layers.Parameter;
import org.seqml.models.Input;
import org.seqml.models.SymbolicTensor;

/**
 * The cells oneDNN has no int8 kernel for (the default GRU, SimpleRNN, a peephole LSTM) run their
 * products in int8 and their gate math in float32: each step within a bound derived from the
 * scales ({@link #bound}) of the float layer's step, from the same state.
 */
class Int8LoopTest {
    private static final int FEATURES = 12;
    private static final int UNITS = 16;
    private static final int BATCH = 5;
    private static final double RANGE = 2.5;

    private static INDArray uniform(double scale, long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).muli(2).subi(1).muli(scale);
    }

    /** The float layer, built, with weights of a trained layer's size; its twin quantized to int8. */
    private static RNN<?>[] pair(RNN<?> layer, RNN<?> twin, long time, int states) {
        for (RNN<?> l : new RNN<?>[] {layer, twin}) {
            SymbolicTensor[] in = new SymbolicTensor[1 + states];
            in[0] = Input.of(time, FEATURES);
            for (int k = 1; k <= states; k++) {
                in[k] = Input.of(UNITS);
            }
            l.applyAll(in);
        }
        for (Parameter p : layer.weights()) {
            p.value().assign(uniform(p.name().contains("recurrent") ? 0.2 : 0.3, p.value().shape()));
        }
        twin.setWeights(layer.getWeights());
        twin.quantize(RANGE);
        return new RNN<?>[] {layer, twin};
    }

    private static INDArray weight(RNN<?> q, String name) {
        return q.weights().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().value();
    }

    /**
     * One gate column's worst error in its pre-activation. With x̂ = x_q / s_x and ŵ = W_q / s_n,
     * {@code x̂ŵ - xw = (x̂ - x) ŵ + x (ŵ - w)}, each rounding off by at most half a step:
     * {@code delta_n <= 0.5 / s_x |ŵ_n|_1 + 0.5 / s_n |x|_1}, for the input (|x| <= range,
     * s_x = 127 / range) and the state (|h| <= 1, s_h = 127) products alike; the largest per gate.
     */
    private static double[] gateDeltas(RNN<?> q, int gates) {
        double[] delta = new double[gates];
        INDArray kernel = weight(q, "kernel").castTo(DataType.FLOAT);
        INDArray recurrent = weight(q, "recurrent_kernel").castTo(DataType.FLOAT);
        INDArray ks = weight(q, "kernel_scale");
        INDArray rs = weight(q, "recurrent_kernel_scale");
        double sx = 127 / RANGE;
        for (int n = 0; n < gates * UNITS; n++) {
            double x = 0.5 / sx * Transforms.abs(kernel.getColumn(n), true).sumNumber().doubleValue() / ks.getDouble(n)
                + 0.5 / ks.getDouble(n) * FEATURES * RANGE;
            double h = 0.5 / 127 * Transforms.abs(recurrent.getColumn(n), true).sumNumber().doubleValue()
                / rs.getDouble(n) + 0.5 / rs.getDouble(n) * UNITS;
            delta[n / UNITS] = Math.max(delta[n / UNITS], x + h);
        }
        return delta;
    }

    /**
     * One step's bound on |h_int8 - h_float| (and an LSTM's c), carried through the gates by
     * slopes of at most 1/4 (sigmoid) and 1 (tanh). SimpleRNN: d. GRU (reset after):
     * {@code |dhh| <= d_h + |hz_h|max d_r / 4} and {@code |dh| <= 2 d_z / 4 + |dhh|}. LSTM with
     * peepholes p: {@code |dc| <= d_f / 4 |c_prev| + d_i / 4 + d_g} and
     * {@code |dh| <= (d_o + |p_o| |dc|) / 4 + |dc|}.
     */
    private static double bound(RNN<?> floatLayer, RNN<?> q, double cMax) {
        if (q instanceof SimpleRNN) {
            return gateDeltas(q, 1)[0] + 1e-5;
        }
        if (q instanceof GRU) {
            double[] d = gateDeltas(q, 3);
            INDArray u = floatLayer.recurrentKernel().value();
            INDArray b = floatLayer.biasParameter().value().getRow(1);
            double hz = Transforms.abs(u, true).sum(0).addi(Transforms.abs(b, true)).maxNumber().doubleValue();
            double dhh = d[2] + hz * d[1] / 4;
            return 2 * d[0] / 4 + dhh + 1e-5;
        }
        double[] d = gateDeltas(q, 4);
        double dc = d[1] / 4 * cMax + d[0] / 4 + d[2];
        double po = weight(q, "output_gate_peephole_weights").amaxNumber().doubleValue();
        return (d[3] + po * dc) / 4 + dc + 1e-5;
    }

    private static void eachStepWithinBound(RNN<?> layer, RNN<?> twin) {
        Nd4j.getRandom().setSeed(11);
        boolean lstm = layer instanceof LSTM;
        RNN<?>[] p = pair(layer.returnState(true), twin.returnState(true), 1, lstm ? 2 : 1);
        INDArray h = uniform(0.9, BATCH, UNITS);
        INDArray c = lstm ? uniform(2, BATCH, UNITS) : null;
        double worst = 0;
        for (int t = 0; t < 6; t++) {
            INDArray x = uniform(RANGE, BATCH, 1, FEATURES);
            INDArray[] in = lstm ? new INDArray[] {x, h, c} : new INDArray[] {x, h};
            Forward want = p[0].forward(in, new INDArray[0], false);
            Forward got = p[1].forward(in, new INDArray[0], false);
            double bound = bound(p[0], p[1], c == null ? 0 : c.amaxNumber().doubleValue());
            double dh = Transforms.abs(want.outputs()[0].sub(got.outputs()[0]), false).maxNumber().doubleValue();
            assertTrue(dh <= bound, layer.getClass().getSimpleName() + " step " + t + ": " + dh + " > " + bound);
            if (lstm) {
                double dc = Transforms.abs(want.outputs()[2].sub(got.outputs()[2]), false).maxNumber().doubleValue();
                assertTrue(dc <= bound, "LSTM step " + t + " c: " + dc + " > " + bound);
                c = want.outputs()[2];
            }
            worst = Math.max(worst, dh);
            h = want.outputs()[1];
        }
        assertTrue(worst > 0, "int8 really ran (its results differ from float's)");
    }

    @Test
    void defaultGruStepsWithinTheQuantizationBound() {
        eachStepWithinBound(new GRU(UNITS), new GRU(UNITS));
    }

    @Test
    void simpleRnnStepsWithinTheQuantizationBound() {
        eachStepWithinBound(new SimpleRNN(UNITS), new SimpleRNN(UNITS));
    }

    @Test
    void peepholeLstmStepsWithinTheQuantizationBound() {
        eachStepWithinBound(new LSTM(UNITS).peephole(true), new LSTM(UNITS).peephole(true));
    }

    @Test
    void maskedSequencesRunBothWaysAndKeepTheWeightsInt8() {
        Nd4j.getRandom().setSeed(12);
        for (boolean backwards : new boolean[] {false, true}) {
            RNN<?>[] p = pair(new GRU(UNITS).returnSequences(true).goBackwards(backwards),
                new GRU(UNITS).returnSequences(true).goBackwards(backwards), 20, 0);
            INDArray x = uniform(1, BATCH, 20, FEATURES);
            INDArray mask = Nd4j.ones(DataType.FLOAT, BATCH, 20);
            mask.get(NDArrayIndex.interval(0, 2), NDArrayIndex.interval(13, 20)).assign(0);
            INDArray want = p[0].forward(new INDArray[] {x}, new INDArray[] {mask}, false).outputs()[0];
            INDArray got = p[1].forward(new INDArray[] {x}, new INDArray[] {mask}, false).outputs()[0];
            // a contracting recurrence keeps the steps' errors from adding up: a few 8-bit steps
            double worst = Transforms.abs(want.sub(got), false).maxNumber().doubleValue();
            assertTrue(worst < 4 / 127.0, (backwards ? "backwards: " : "forwards: ") + worst);
            if (!backwards) {
                assertEquals(got.get(NDArrayIndex.point(0), NDArrayIndex.point(12), NDArrayIndex.all()),
                    got.get(NDArrayIndex.point(0), NDArrayIndex.point(19), NDArrayIndex.all()), "masked steps repeat");
            }
            assertEquals(List.of("kernel", "recurrent_kernel", "bias", "kernel_scale", "recurrent_kernel_scale",
                "input_scale"), p[1].weights().stream().map(Parameter::name).toList());
            assertEquals(DataType.INT8, p[1].kernel().value().dataType(), "the cell reads the int8 kernel now");
            assertEquals(DataType.INT8, p[1].recurrentKernel().value().dataType());
        }
    }

    @Test
    void anInt8LoopLayerTrainsNoMore() {
        RNN<?>[] p = pair(new SimpleRNN(UNITS), new SimpleRNN(UNITS), 3, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> p[1].call(new INDArray[] {uniform(1, BATCH, 3, FEATURES)}, new INDArray[0], true));
        assertTrue(e.getMessage().contains("inference only"), e.getMessage());
    }

    @Test
    void aGruWithoutResetAfterAndOtherActivationsHasNoInt8Form() {
        GRU gru = new GRU(4).resetAfter(false).recurrentActivation("hard_sigmoid");
        gru.call(new INDArray[] {uniform(1, 2, 3, 5)}, new INDArray[0], false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gru.quantize(1));
        assertTrue(e.getMessage().contains("Quantizable"), e.getMessage());
    }

    /**
     * The default GRU's int8 kernel (the backend's) against the same int8 layer's loop: every mask
     * layout, both directions, an initial state and the final one. They differ by the kernel's
     * sigmoid (within 2e-6) and, where that moves a state across a rounding edge, by a step of the
     * state's quantization, which the recurrence then carries: a few 8-bit steps at most.
     */
    @Test
    void defaultGruKernelGivesItsLoopsResults() {
        Nd4j.getRandom().setSeed(13);
        int time = 40;
        INDArray mask = Nd4j.ones(DataType.FLOAT, BATCH, time);
        mask.get(NDArrayIndex.point(0), NDArrayIndex.interval(25, time)).assign(0);   // padded after
        mask.get(NDArrayIndex.point(1), NDArrayIndex.interval(0, 30)).assign(0);      // before
        mask.get(NDArrayIndex.point(2), NDArrayIndex.interval(10, 12)).assign(0);     // a hole
        mask.get(NDArrayIndex.point(3), NDArrayIndex.all()).assign(0);                // nothing
        for (boolean backwards : new boolean[] {false, true}) {
            for (INDArray m : new INDArray[] {null, mask}) {
                RNN<?>[] p = pair(new GRU(UNITS).returnSequences(true).returnState(true).goBackwards(backwards),
                    new GRU(UNITS).returnSequences(true).returnState(true).goBackwards(backwards), time, 1);
                INDArray x = uniform(RANGE, BATCH, time, FEATURES);
                INDArray h0 = uniform(0.9, BATCH, UNITS);
                INDArray[] masks = m == null ? new INDArray[0] : new INDArray[] {m};
                INDArray[] got = p[1].forward(new INDArray[] {x, h0}, masks, false).outputs();
                INDArray[] want = org.seqml.backend.Backend.withoutFusedKernels(
                    () -> p[1].forward(new INDArray[] {x, h0}, masks, false).outputs());
                String what = (backwards ? "backwards" : "forwards") + (m == null ? "" : ", masked");
                for (int k = 0; k < 2; k++) {
                    double worst = Transforms.abs(want[k].sub(got[k]), false).maxNumber().doubleValue();
                    assertTrue(worst < 3 / 127.0, what + (k == 0 ? " sequence: " : " final h: ") + worst);
                }
                if (m != null) {
                    assertEquals(h0.getRow(3), got[1].getRow(3), what + ": a row with no step keeps its state");
                }
            }
        }
    }
}
