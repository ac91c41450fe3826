package org.seqml.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.models.Input;
import org.seqml.models.SymbolicTensor;

/**
 * The checks every layer passes, whatever it computes:
 * <ul>
 * <li>apply on symbolic inputs builds it once and infers output shapes that the real outputs match;</li>
 * <li>its weight count equals the sum of its weights' sizes, and weights have the floatX type;</li>
 * <li>forward leaves its inputs unchanged and is repeatable in inference mode;</li>
 * <li>getWeights / setWeights round-trip, and a wrong weight shape is refused naming the layer;</li>
 * <li>a second call with an incompatible shape is refused naming the layer;</li>
 * <li>backward returns one gradient (or null) per input, shaped like the input;</li>
 * <li>a training call and its backward give every trainable weight a finite gradient of its shape;</li>
 * <li>called from two threads at once, inference gives bit for bit what one call gives.</li>
 * </ul>
 */
public final class LayerContract {
    private LayerContract() {
    }

    /** Checks {@code layer} with symbolic input shapes (per-sample, no batch) and matching arrays. */
    public static void check(Layer layer, long[][] sampleShapes, INDArray... inputs) {
        List<SymbolicTensor> symbols = new ArrayList<>();
        for (long[] s : sampleShapes) {
            symbols.add(Input.of(s));
        }
        List<SymbolicTensor> outs = layer.applyAll(symbols.toArray(SymbolicTensor[]::new));
        assertTrue(layer.isBuilt(), "apply builds the layer");
        List<Parameter> before = layer.weights();
        layer.applyAll(symbols.toArray(SymbolicTensor[]::new));
        assertEquals(before, layer.weights(), "a second apply does not rebuild");

        long params = 0;
        for (Parameter p : layer.weights()) {
            params += p.value().length();
            assertEquals(org.seqml.backend.Backend.floatX(), p.value().dataType(), "weights are floatX");
        }
        assertEquals(params, layer.countParams());

        INDArray[] copies = new INDArray[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            copies[i] = inputs[i].dup();
        }
        Forward f = layer.call(inputs, new INDArray[inputs.length], false);
        INDArray[] expected = new INDArray[f.outputs().length];
        for (int k = 0; k < expected.length; k++) {
            expected[k] = f.outputs()[k].dup();
        }
        for (int i = 0; i < inputs.length; i++) {
            assertEquals(copies[i], inputs[i], "forward must not modify its input " + i);
        }
        assertEquals(outs.size(), f.outputs().length, "as many outputs as inferred");
        for (int k = 0; k < outs.size(); k++) {
            Shape inferred = outs.get(k).shape();
            assertTrue(inferred.matches(f.outputs()[k].shape()), "output " + k + " inferred " + inferred
                + " but computed " + java.util.Arrays.toString(f.outputs()[k].shape()));
        }
        Forward again = layer.call(inputs, new INDArray[inputs.length], false);
        for (int k = 0; k < outs.size(); k++) {
            assertEquals(f.outputs()[k], again.outputs()[k], "inference is repeatable");
        }

        List<INDArray> weights = layer.getWeights();
        layer.setWeights(weights);
        assertEquals(weights, layer.getWeights(), "getWeights/setWeights round trip");
        if (!weights.isEmpty()) {
            List<INDArray> wrong = new ArrayList<>(weights);
            wrong.set(0, org.nd4j.linalg.factory.Nd4j.zeros(weights.get(0).dataType(), weights.get(0).length() + 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.setWeights(wrong));
            assertTrue(e.getMessage().contains(layer.name()), e.getMessage());
        }

        INDArray[] grads = layer.backward(f, GradientCheck.projections(f.outputs()));
        assertEquals(inputs.length, grads.length, "one gradient per input");
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] != null) {
                assertArrayEquals(inputs[i].shape(), grads[i].shape(), "input gradient " + i + " has the input's shape");
            }
        }

        trainingStepGradsEveryTrainableWeight(layer, inputs);
        twoThreadsGetWhatOneCallGets(layer, inputs, expected);

        long[] bad = sampleShapes[0].clone();
        if (bad.length > 0 && bad[bad.length - 1] > 0) {
            bad[bad.length - 1] += 3;
            SymbolicTensor[] wrongInputs = symbols.toArray(SymbolicTensor[]::new);
            wrongInputs[0] = Input.of(bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.applyAll(wrongInputs));
            assertTrue(e.getMessage().contains(layer.name()), e.getMessage());
        }
        assertFalse(layer.name().isEmpty());
    }

    private static void trainingStepGradsEveryTrainableWeight(Layer layer, INDArray[] inputs) {
        layer.weights().forEach(Parameter::zeroGrad);
        Forward t = layer.call(inputs, new INDArray[inputs.length], true);
        layer.backward(t, GradientCheck.projections(t.outputs()));
        for (Parameter p : layer.weights()) {
            if (p.trainable()) {
                assertArrayEquals(p.value().shape(), p.grad().shape(), p.name() + "'s gradient has its shape");
                assertFalse(p.grad().isNaN().any() || p.grad().isInfinite().any(), p.name() + "'s gradient is finite");
            }
        }
        layer.weights().forEach(Parameter::zeroGrad);
    }

    private static void twoThreadsGetWhatOneCallGets(Layer layer, INDArray[] inputs, INDArray[] expected) {
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<INDArray[]>> calls = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                calls.add(two.submit(() -> layer.call(inputs, new INDArray[inputs.length], false).outputs()));
            }
            for (java.util.concurrent.Future<INDArray[]> call : calls) {
                INDArray[] out = call.get();
                for (int k = 0; k < expected.length; k++) {
                    assertArrayEquals(expected[k].dup('c').data().asDouble(), out[k].dup('c').data().asDouble(),
                        layer.name() + ": output " + k + " from two threads at once");
                }
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError(layer.name() + " failed when called from two threads", e);
        } finally {
            two.shutdown();
        }
    }
}
