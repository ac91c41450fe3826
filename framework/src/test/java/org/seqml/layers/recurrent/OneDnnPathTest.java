package org.seqml.layers.recurrent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.Backend;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.testing.Arrays;
import org.seqml.testing.GradientCheck;

/**
 * oneDNN's whole-sequence path gives what seqml's own loop (the reference) gives, in float32:
 * outputs, the input and initial-state gradients and every weight gradient, for every loop option
 * it takes; and the calls it cannot take (masks, dropout, other activations, peepholes) stay on
 * the loop.
 */
class OneDnnPathTest {
    @org.junit.jupiter.api.BeforeAll
    static void needsOneDnn() {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.seqml.backend.Switches.portable(),
            "-Dseqml.portable=true turns oneDNN off");
    }

    private static final INDArray X = Arrays.random(3, 7, 5);

    @Test
    void lstmMatchesTheLoopForEveryLoopOption() {
        for (boolean sequences : new boolean[] {false, true}) {
            for (boolean backwards : new boolean[] {false, true}) {
                same(new LSTM(4).returnSequences(sequences).returnState(true).goBackwards(backwards), X);
            }
        }
        same(new LSTM(4).useBias(false).returnSequences(true), X);
        same(new LSTM(4).unitForgetBias(false), X);
    }

    @Test
    void gruMatchesTheLoopInBothForms() {
        for (boolean resetAfter : new boolean[] {true, false}) {
            for (boolean backwards : new boolean[] {false, true}) {
                same(new GRU(4).resetAfter(resetAfter).returnSequences(true).returnState(true).goBackwards(backwards), X);
            }
            same(new GRU(4).resetAfter(resetAfter), X);
            same(new GRU(4).resetAfter(resetAfter).useBias(false).returnSequences(true), X);
        }
    }

    @Test
    void initialStatesAndTheirGradientsMatchTheLoop() {
        same(new LSTM(4).returnSequences(true), X, Arrays.random(3, 4), Arrays.random(3, 4));
        same(new GRU(4).returnState(true), X, Arrays.random(3, 4));
        same(new GRU(4).resetAfter(false).goBackwards(true), X, Arrays.random(3, 4));
    }

    @Test
    void bidirectionalMatchesTheLoop() {
        for (MergeMode mode : MergeMode.values()) {
            same(new Bidirectional(new LSTM(4).returnSequences(true), mode), X);
        }
        same(new Bidirectional(new GRU(4)), X);
    }

    @Test
    void weightGradientsAccumulateOverCallsAsASharedLayerNeeds() {
        accumulatesOverTwoCalls(4);
    }

    /**
     * From LSTM(128) on oneDNN keeps its weights and their gradients in a padded layout of its own
     * (gate rows of 528 floats for 512), and adds the gradients to the layer's by a reorder: the
     * path W1 and W4 take, which the small layers above do not.
     */
    @Test
    void layersWhoseWeightsOneDnnPadsMatchTheLoopAndAccumulate() {
        sameRelative(new LSTM(128).returnSequences(true), X);
        sameRelative(new GRU(128).returnState(true), X);
        accumulatesOverTwoCalls(128);
    }

    private static void accumulatesOverTwoCalls(int units) {
        LSTM lstm = build(new LSTM(units).returnSequences(true));
        lstm.weights().forEach(p -> p.value().assign(Arrays.random(p.value().shape())));
        Forward f = lstm.call(new INDArray[] {X}, new INDArray[1], true);
        assertTrue(RNN.ranOnOneDnn(f));
        INDArray[] r = GradientCheck.projections(f.outputs());
        lstm.weights().forEach(Parameter::zeroGrad);
        lstm.backward(f, r);
        List<INDArray> once = lstm.weights().stream().map(p -> p.grad().dup()).toList();
        lstm.backward(f, r);
        for (int i = 0; i < once.size(); i++) {
            assertClose(once.get(i).mul(2), lstm.weights().get(i).grad(), "twice " + lstm.weights().get(i).name());
        }
    }

    @Test
    void inputDropoutDropsTheSameInputsAsTheLoop() {
        for (RNN<?> layer : new RNN<?>[] {new LSTM(4).dropout(0.4).returnSequences(true), new GRU(4).dropout(0.4)}) {
            build(layer).weights().forEach(p -> p.value().assign(Arrays.random(p.value().shape())));
            layer.setRandomCalls(0);
            Forward fast = layer.call(new INDArray[] {X}, new INDArray[1], true);
            assertTrue(RNN.ranOnOneDnn(fast));
            INDArray[] r = GradientCheck.projections(fast.outputs());
            layer.weights().forEach(Parameter::zeroGrad);
            INDArray fastDx = layer.backward(fast, r)[0];
            List<INDArray> fastGrads = layer.weights().stream().map(p -> p.grad().dup()).toList();
            Backend.withoutFusedKernels(() -> {
                layer.setRandomCalls(0);
                Forward plain = layer.call(new INDArray[] {X}, new INDArray[1], true);
                layer.weights().forEach(Parameter::zeroGrad);
                INDArray plainDx = layer.backward(plain, r)[0];
                assertClose(plain.outputs()[0], fast.outputs()[0], layer + " output");
                assertClose(plainDx, fastDx, layer + " input gradient");
                for (int i = 0; i < fastGrads.size(); i++) {
                    assertClose(layer.weights().get(i).grad(), fastGrads.get(i), layer + " weight " + i);
                }
                // and a dropped input really is dropped: its gradient is zero
                assertTrue(plainDx.eq(0).castTo(plainDx.dataType()).sumNumber().doubleValue() > 0);
                return null;
            });
        }
    }

    /** Rows of every layout: padded after, before, on both sides, not at all, and wholly (holes below). */
    private static final int[][] RUNS = {{0, 30}, {5, 25}, {0, 80}, {17, 63}, {0, 0}, {40, 1}, {79, 1}, {0, 1},
        {12, 50}, {3, 70}, {0, 9}, {60, 20}, {0, 44}, {33, 33}, {0, 79}, {1, 79}, {2, 8}, {0, 64}, {50, 0}, {70, 10}};
    private static final INDArray LONG = Arrays.random(RUNS.length, 80, 5);

    /** The rows of {@link #RUNS}, the last five with holes: every third step masked, or a random third. */
    private static INDArray runsMask() {
        INDArray mask = org.nd4j.linalg.factory.Nd4j.zeros(LONG.dataType(), RUNS.length, 80);
        for (int r = 0; r < RUNS.length; r++) {
            for (int t = RUNS[r][0]; t < RUNS[r][0] + RUNS[r][1]; t++) {
                mask.putScalar(r, t, 1);
            }
        }
        INDArray random = Arrays.random(RUNS.length, 80);
        for (int r = RUNS.length - 5; r < RUNS.length; r++) {
            for (int t = 0; t < 80; t++) {
                boolean hole = r % 2 == 0 ? t % 3 == 1 : random.getDouble(r, t) < -0.33;
                mask.putScalar(r, t, hole ? 0 : 1);
            }
        }
        return mask;
    }

    /** Over 80 steps sums of hundreds of terms: within 1e-5 of the largest entry (see {@link #sameRelative}). */
    @Test
    void paddedBatchesOfEveryLayoutMatchTheLoop() {
        INDArray mask = runsMask();
        for (boolean sequences : new boolean[] {false, true}) {
            for (boolean backwards : new boolean[] {false, true}) {
                for (boolean zeros : new boolean[] {false, true}) {
                    sameUnder(new LSTM(4).returnSequences(sequences).returnState(true).goBackwards(backwards)
                        .zeroOutputForMask(zeros), new INDArray[] {mask}, true, LONG);
                    sameUnder(new GRU(4).returnSequences(sequences).returnState(true).goBackwards(backwards)
                        .zeroOutputForMask(zeros), new INDArray[] {mask}, true, LONG);
                }
            }
        }
        for (boolean sequences : new boolean[] {false, true}) {
            for (boolean backwards : new boolean[] {false, true}) {
                // no state out: short rows share lanes (a reset step between them)
                sameUnder(new LSTM(4).returnSequences(sequences).goBackwards(backwards), new INDArray[] {mask}, true,
                    LONG);
            }
        }
        sameUnder(new GRU(4).resetAfter(false).returnSequences(true).returnState(true), new INDArray[] {mask}, true,
            LONG);
        sameUnder(new GRU(4).resetAfter(false).goBackwards(true), new INDArray[] {mask}, true, LONG);
    }

    @Test
    void paddedBatchesWithInitialStatesAndBidirectionalMatchTheLoop() {
        INDArray mask = runsMask();
        int b = RUNS.length;
        sameUnder(new LSTM(4).returnSequences(true).returnState(true), new INDArray[] {mask, null, null}, true, LONG,
            Arrays.random(b, 4), Arrays.random(b, 4));
        sameUnder(new LSTM(4).returnState(true).goBackwards(true), new INDArray[] {mask, null, null}, true, LONG,
            Arrays.random(b, 4), Arrays.random(b, 4));
        sameUnder(new GRU(4).returnState(true), new INDArray[] {mask, null}, true, LONG, Arrays.random(b, 4));
        for (MergeMode mode : MergeMode.values()) {
            sameUnder(new Bidirectional(new LSTM(4).returnSequences(true), mode), new INDArray[] {mask}, true, LONG);
        }
        sameUnder(new Bidirectional(new GRU(4)), new INDArray[] {mask}, true, LONG);
        // weights of a trained layer's size (U(-1, 1) over 128 units is chaotic over 80 steps: float32
        // rounding alone then parts any two paths, unpadded ones too)
        sameUnder(new Bidirectional(new LSTM(128)), new INDArray[] {mask}, true, 0.1, LONG);
        sameUnder(new GRU(128).returnSequences(true).goBackwards(true), new INDArray[] {mask}, true, 0.1, LONG);
    }

    @Test
    void callsOneDnnCannotTakeStayOnTheLoop() {
        INDArray mask = org.nd4j.linalg.factory.Nd4j.ones(X.dataType(), 3, 7);
        mask.putScalar(1, 3, 0.5);   // a weight, not a mask: the loop's semantics alone
        assertFalse(RNN.ranOnOneDnn(build(new LSTM(4)).call(new INDArray[] {X}, new INDArray[] {mask}, false)));
        assertFalse(RNN.ranOnOneDnn(build(new LSTM(4).recurrentDropout(0.5)).call(new INDArray[] {X}, new INDArray[1],
            true)));
        assertFalse(RNN.ranOnOneDnn(build(new LSTM(4).peephole(true)).call(new INDArray[] {X}, new INDArray[1], false)));
        assertFalse(RNN.ranOnOneDnn(build(new GRU(4).recurrentActivation("hard_sigmoid")).call(new INDArray[] {X},
            new INDArray[1], false)));
        // dropout only matters in training: inference takes the fast path
        assertTrue(RNN.ranOnOneDnn(build(new LSTM(4).dropout(0.5)).call(new INDArray[] {X}, new INDArray[1], false)));
    }

    @Test
    void aBatchWithoutPaddingTakesOneDnnUnderItsMask() {
        // an all-ones mask (maskZero on a batch of equal lengths) changes nothing: oneDNN runs,
        // and the sequence output keeps the mask for the layers after it
        INDArray ones = org.nd4j.linalg.factory.Nd4j.ones(X.dataType(), 3, 7);
        sameMasked(new LSTM(4).returnSequences(true).returnState(true), ones);
        sameMasked(new GRU(4).goBackwards(true).returnSequences(true), ones);
        sameMasked(new Bidirectional(new LSTM(3).returnSequences(true)), ones);
        Forward f = build(new LSTM(4).returnSequences(true)).call(new INDArray[] {X}, new INDArray[] {ones}, true);
        assertTrue(RNN.ranOnOneDnn(f));
        assertTrue(f.outputMask() == ones);
    }

    /**
     * oneDNN's inference keeps the weights it packed from call to call: a change to them (in
     * place, as an optimizer makes, or by setWeights) must be seen on the next call, and the two
     * directions of a Bidirectional, which share a kernel, must each get their own.
     */
    @Test
    void inferenceKeepsPackedWeightsOnlyWhileTheyAreUnchanged() {
        for (Layer layer : new Layer[] {build(new LSTM(6)), build(new Bidirectional(new GRU(4)))}) {
            // unpadded, and padded (the packed path, whose chunks share the weights)
            INDArray padded = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][] {{1, 1, 1, 1, 1, 1, 1},
                {1, 1, 1, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 0, 0}});
            for (INDArray[] mask : new INDArray[][] {new INDArray[1], {padded}}) {
                for (int round = 0; round < 3; round++) {
                    layer.weights().forEach(p -> p.value().assign(Arrays.random(p.value().shape())));
                    INDArray first = layer.call(new INDArray[] {X}, mask, false).output().dup();
                    INDArray again = layer.call(new INDArray[] {X}, mask, false).output();
                    assertEquals(first, again, layer + ": the same weights, the same output");
                    layer.weights().get(round % 2).value().muli(0.5);   // in place: the same arrays, new values
                    INDArray changed = layer.call(new INDArray[] {X}, mask, false).output().dup();
                    INDArray loop = Backend.withoutFusedKernels(() -> layer.call(new INDArray[] {X}, mask, false)
                        .output());
                    assertClose(loop, changed, layer + " after its weights changed, round " + round
                        + (mask[0] == null ? "" : ", padded"));
                }
            }
        }
    }

    private static <L extends Layer> L build(L layer) {
        layer.call(new INDArray[] {X}, new INDArray[1], false);
        return layer;
    }

    /** Forward and backward (training and inference forwards) on oneDNN, then on the loop. */
    private static void same(Layer layer, INDArray... inputs) {
        sameUnder(layer, new INDArray[inputs.length], false, inputs);
    }

    /**
     * As {@link #same}, within 1e-5 of the largest entry rather than 1e-5 absolute: a wide layer's
     * sums run over hundreds of float32 terms, so its gradients reach tens and round accordingly.
     */
    private static void sameRelative(Layer layer, INDArray... inputs) {
        // weights in (-0.25, 0.25): at U(-1, 1) a 128-unit layer is chaotic and amplifies float32
        // rounding past any bound within a few steps, whichever two paths are compared
        sameUnder(layer, new INDArray[inputs.length], true, 0.25, inputs);
    }

    private static void sameMasked(Layer layer, INDArray mask) {
        sameUnder(layer, new INDArray[] {mask}, false, X);
    }

    private static void sameUnder(Layer layer, INDArray[] masks, boolean relative, INDArray... inputs) {
        sameUnder(layer, masks, relative, 1, inputs);
    }

    /** As above with weights uniform in (-scale, scale). */
    private static void sameUnder(Layer layer, INDArray[] masks, boolean relative, double scale, INDArray... inputs) {
        layer.call(inputs, masks, false);
        // every weight random, biases included (they start at zero, which would hide a mix-up)
        layer.weights().forEach(p -> p.value().assign(Arrays.random(p.value().shape()).muli(scale)));
        for (boolean training : new boolean[] {true, false}) {
            Forward fast = layer.call(inputs, masks, training);
            if (layer instanceof RNN<?>) {
                assertTrue(RNN.ranOnOneDnn(fast), layer + " ran on the loop");
            }
            INDArray[] r = GradientCheck.projections(fast.outputs());
            layer.weights().forEach(Parameter::zeroGrad);
            INDArray[] fastDx = layer.backward(fast, r);
            List<INDArray> fastGrads = layer.weights().stream().map(p -> p.grad().dup()).toList();
            Backend.withoutFusedKernels(() -> {
                Forward plain = layer.call(inputs, masks, training);
                layer.weights().forEach(Parameter::zeroGrad);
                INDArray[] plainDx = layer.backward(plain, r);
                String what = layer + (training ? " training" : " inference");
                for (int k = 0; k < fast.outputs().length; k++) {
                    assertClose(plain.outputs()[k], fast.outputs()[k], what + " output " + k, relative);
                }
                for (int k = 0; k < plainDx.length; k++) {
                    assertClose(plainDx[k], fastDx[k], what + " gradient of input " + k, relative);
                }
                for (int i = 0; i < fastGrads.size(); i++) {
                    assertClose(layer.weights().get(i).grad(), fastGrads.get(i), what + " gradient of "
                        + layer.weights().get(i).name(), relative);
                }
                return null;
            });
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertClose(expected, actual, what, false);
    }

    private static void assertClose(INDArray expected, INDArray actual, String what, boolean relative) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double worst = Transforms.abs(expected.sub(actual), false).maxNumber().doubleValue();
        double bound = relative ? 1e-5 * Math.max(1, expected.amaxNumber().doubleValue()) : 1e-5;
        assertTrue(worst <= bound, what + ": max difference " + worst + " (bound " + bound + ")");
    }
}
