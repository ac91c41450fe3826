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
import org.seqml.backend.Backend;
import org.seqml.models.Input;
import org.seqml.models.Model;
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
 * <li>called from two threads at once, inference gives bit for bit what one call gives;</li>
 * <li>its config survives a save and a load: the loaded layer has the same class, name and config
 * values, and computes the same outputs;</li>
 * <li>given a mask on its sequence input, a layer that passes a mask on computes its outputs at
 * the steps the mask keeps from kept steps only, in inference and training.</li>
 * </ul>
 * As Keras's {@code run_layer_test} (keras/src/testing/test_case.py).
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
        configSurvivesSaveAndLoad(layer, sampleShapes, inputs, expected);
        maskedStepsDoNotReachKeptOutputs(layer, inputs, false);
        maskedStepsDoNotReachKeptOutputs(layer, inputs, true);

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

    private static void configSurvivesSaveAndLoad(Layer layer, long[][] sampleShapes, INDArray[] inputs,
                                                  INDArray[] expected) {
        if (layer.getClass().getName().contains("Test$") || layer.getClass().isAnonymousClass()) {
            return;   // a test's own layer: native files hold seqml's layers only
        }
        List<SymbolicTensor> symbols = new ArrayList<>();
        for (long[] s : sampleShapes) {
            symbols.add(Input.of(s));
        }
        Model model = new Model(symbols, layer.applyAll(symbols.toArray(SymbolicTensor[]::new)));
        Model loaded;
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("contract", ".seqml");
            try {
                model.save(file);
                loaded = Model.load(file);
            } finally {
                java.nio.file.Files.deleteIfExists(file);
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(layer.name() + ": save and load failed", e);
        }
        Layer back = loaded.graph().layers().stream().filter(l -> l.name().equals(layer.name())).findFirst()
            .orElseThrow(() -> new AssertionError(layer.name() + " is missing after load"));
        assertEquals(layer.getClass(), back.getClass());
        assertEquals(plainConfig(layer), plainConfig(back), layer.name() + "'s config after load");
        INDArray[] out = loaded.predict(inputs, (int) inputs[0].size(0));
        for (int k = 0; k < expected.length; k++) {
            assertTrue(expected[k].equalsWithEps(out[k], 1e-6), layer.name() + ": output " + k + " after load");
        }
    }

    /**
     * The values of the layer's config and options records that are numbers, text, enums or
     * records of them (initializers by class).
     */
    private static String plainConfig(Layer layer) {
        StringBuilder out = new StringBuilder();
        for (String part : new String[] {"config", "options"}) {
            try {
                out.append(plain(layer.getClass().getMethod(part).invoke(layer)));
            } catch (NoSuchMethodException e) {
                // a layer without this part
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        return out.toString();
    }

    private static String plain(Object v) throws ReflectiveOperationException {
        if (v instanceof Record r) {
            StringBuilder out = new StringBuilder(r.getClass().getSimpleName()).append('(');
            for (java.lang.reflect.RecordComponent c : r.getClass().getRecordComponents()) {
                out.append(c.getName()).append('=').append(plain(c.getAccessor().invoke(r))).append(' ');
            }
            return out.append(')').toString();
        }
        if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String || v instanceof Enum<?>) {
            return String.valueOf(v);
        }
        if (v instanceof Layer l) {
            return l.getClass().getSimpleName() + plainConfig(l);
        }
        return v.getClass().getSimpleName();
    }

    /**
     * With the last two steps of sample 0 masked on a sequence (rank 3) input: where the layer
     * passes a mask on over the same steps, the outputs at kept steps stay the same when the
     * masked steps' values change.
     */
    private static void maskedStepsDoNotReachKeptOutputs(Layer layer, INDArray[] inputs, boolean training) {
        INDArray x = inputs[0];
        if (x.rank() != 3 || x.size(1) < 3 || !x.dataType().isFPType()) {
            return;
        }
        long steps = x.size(1);
        INDArray mask = org.nd4j.linalg.factory.Nd4j.ones(x.dataType(), x.size(0), steps);
        mask.putScalar(new long[] {0, steps - 1}, 0);
        mask.putScalar(new long[] {0, steps - 2}, 0);
        INDArray[] masks = new INDArray[inputs.length];
        masks[0] = mask;
        INDArray[] changed = inputs.clone();
        changed[0] = x.dup();
        changed[0].get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
            org.nd4j.linalg.indexing.NDArrayIndex.interval(steps - 2, steps),
            org.nd4j.linalg.indexing.NDArrayIndex.all()).addi(5.0);
        Forward a = Backend.withoutFusedKernels(() -> call(layer, inputs, masks, training));
        Forward b = Backend.withoutFusedKernels(() -> call(layer, changed, masks, training));
        INDArray outMask = a.outputMasks().length > 0 ? a.outputMasks()[0] : null;
        INDArray y = a.outputs()[0];
        if (outMask == null || y.rank() != 3 || y.size(1) != steps) {
            return;
        }
        assertArrayEquals(new long[] {x.size(0), steps}, outMask.shape(), layer.name() + ": output mask shape");
        for (long s = 0; s < steps - 2; s++) {
            INDArray kept = y.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.point(s), org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray other = b.outputs()[0].get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.point(s), org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertTrue(kept.equalsWithEps(other, 1e-6), layer.name() + (training ? " (training)" : "")
                + ": step " + s + " is kept by the mask but changed with the masked steps' values");
        }
    }

    /** A call with the layer's random draws (dropout) repeated: the same seed and call count. */
    private static Forward call(Layer layer, INDArray[] inputs, INDArray[] masks, boolean training) {
        if (training && layer instanceof org.seqml.layers.Stochastic st) {
            long calls = st.randomCalls();
            Forward f = layer.call(inputs, masks, true);
            st.setRandomCalls(calls);
            return f;
        }
        return layer.call(inputs, masks, training);
    }
}
