package org.seqml.layers.recurrent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.activations.Activations;
import org.seqml.layers.Dense;
import org.seqml.layers.Layer;
import org.seqml.layers.Masking;
import org.seqml.layers.TimeDistributed;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.GradientCheck;

/** Numerical gradient checks in float64 for every recurrent layer and option, masks included. */
@ExtendWith(DoublePrecision.class)
class RecurrentGradientTest {
    private static final INDArray MASK = Nd4j.create(new double[][] {{1, 1, 1, 0}, {1, 0, 1, 1}});

    private static INDArray x() {
        return Arrays.random(2, 4, 3);
    }

    private static void check(Layer layer) {
        GradientCheck.of(layer, x()).check();
    }

    private static void checkMasked(Layer layer) {
        GradientCheck.of(layer, new INDArray[] {x()}, new INDArray[] {MASK}, false).check();
    }

    /** Every cell under every loop option. */
    private static void allLoopOptions(java.util.function.Supplier<RNN<?>> make) {
        check(make.get());
        check(make.get().returnSequences(true));
        check(make.get().returnState(true));
        check(make.get().returnSequences(true).returnState(true).goBackwards(true));
        checkMasked(make.get());
        checkMasked(make.get().returnSequences(true));
        checkMasked(make.get().returnSequences(true).zeroOutputForMask(true));
        checkMasked(make.get().returnSequences(true).goBackwards(true).returnState(true));
        RNN<?> dropped = make.get().returnSequences(true).dropout(0.3).recurrentDropout(0.4);
        GradientCheck.of(dropped, new INDArray[] {x()}, new INDArray[] {MASK}, dropped::restartDropout).check();
    }

    @Test
    void lstmGradientsMatchNumericalEstimate() {
        allLoopOptions(() -> new LSTM(3));
        check(new LSTM(3).useBias(false).returnSequences(true));
        check(new LSTM(3).unitForgetBias(false));
        check(new LSTM(3).peephole(true).returnSequences(true));
        checkMasked(new LSTM(3).peephole(true).returnState(true));
        check(new LSTM(3).recurrentActivation(Activations.HARD_SIGMOID_KERAS2).returnSequences(true));
        check(new LSTM(3).recurrentActivation("hard_sigmoid").returnSequences(true));
        check(new LSTM(3).activation("swish").returnSequences(true));
    }

    @Test
    void gruGradientsMatchNumericalEstimateInBothForms() {
        allLoopOptions(() -> new GRU(3));
        allLoopOptions(() -> new GRU(3).resetAfter(false));
        check(new GRU(3).useBias(false).returnSequences(true));
        check(new GRU(3).resetAfter(false).useBias(false).returnSequences(true));
    }

    @Test
    void simpleRnnGradientsMatchNumericalEstimate() {
        allLoopOptions(() -> new SimpleRNN(3));
        check(new SimpleRNN(3).activation("relu").useBias(false).returnSequences(true));
    }

    @Test
    void initialStatesGetTheirGradients() {
        INDArray h0 = Arrays.random(2, 3);
        INDArray c0 = Arrays.random(2, 3);
        GradientCheck.of(new LSTM(3).returnSequences(true).returnState(true), x(), h0, c0).check();
        GradientCheck.of(new GRU(3).returnSequences(true), x(), h0).check();
        GradientCheck.of(new LSTM(3).returnSequences(true), new INDArray[] {x(), h0, c0},
            new INDArray[] {MASK, null, null}, false).check();
    }

    @Test
    void bidirectionalGradientsMatchNumericalEstimateForEveryMerge() {
        for (MergeMode mode : MergeMode.values()) {
            check(new Bidirectional(new LSTM(3).returnSequences(true), mode));
            checkMasked(new Bidirectional(new GRU(3).returnSequences(true), mode));
        }
        check(new Bidirectional(new LSTM(3).returnState(true)));
        checkMasked(new Bidirectional(new SimpleRNN(3)));
        GradientCheck.of(new Bidirectional(new LSTM(3)), x(), Arrays.random(2, 3), Arrays.random(2, 3),
            Arrays.random(2, 3), Arrays.random(2, 3)).check();
    }

    @Test
    void wrappersGradientsMatchNumericalEstimate() {
        check(new TimeDistributed(new Dense(2).activation("tanh")));
        GradientCheck.of(new Masking(), x()).check();
        // at a padded step the output is constant (zero), so its gradient is exactly zero; the
        // numerical estimate cannot see this, since any perturbation un-pads the step
        INDArray padded = x();
        padded.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(3),
            org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(0);
        Masking masking = new Masking();
        org.seqml.layers.Forward f = masking.call(new INDArray[] {padded}, new INDArray[1], false);
        INDArray dx = masking.backward(f, new INDArray[] {Nd4j.ones(2, 4, 3)})[0];
        org.junit.jupiter.api.Assertions.assertEquals(0.0, dx.getDouble(0, 3, 1));
        org.junit.jupiter.api.Assertions.assertEquals(1.0, dx.getDouble(0, 2, 1));
        org.junit.jupiter.api.Assertions.assertEquals(Nd4j.create(new double[][] {{1, 1, 1, 0}, {1, 1, 1, 1}}), f.outputMask());
    }
}
