package org.seqml.mixedprecision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.RandomSeed;
import org.seqml.backend.Backend;
import org.seqml.callbacks.History;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.Forward;
import org.seqml.layers.Parameter;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;
import org.seqml.testing.Arrays;
import org.seqml.training.FitOptions;

/**
 * Keras's dtype policies: names, the global policy layers take when made, a wrapper's layers
 * following it, policies kept by a saved model, Dense's products in bfloat16 within bfloat16's
 * precision, and a short training run in mixed_bfloat16 that follows float32's loss curve.
 */
class PolicyTest {
    @AfterEach
    void resetGlobal() {
        Policy.setGlobalPolicy(Policy.FLOAT32);
    }

    @Test
    void policiesAreNamedAsInKeras() {
        assertSame(Policy.MIXED_BFLOAT16, Policy.of("mixed_bfloat16"));
        assertEquals("bfloat16", Policy.of("mixed_bfloat16").computeDtype());
        assertEquals("float32", Policy.of("mixed_bfloat16").variableDtype());
        assertEquals("float32", Policy.of("float32").computeDtype());
        IllegalArgumentException f16 = assertThrows(IllegalArgumentException.class, () -> Policy.of("mixed_float16"));
        assertTrue(f16.getMessage().contains("mixed_bfloat16"), f16.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Policy.of("float17"));
        assertThrows(IllegalArgumentException.class, () -> Policy.setGlobalPolicy((Policy) null));
    }

    @Test
    void layersTakeTheGlobalPolicyWhenMadeAndWrappersPassTheirsOn() {
        Dense before = new Dense(3);
        Policy.setGlobalPolicy("mixed_bfloat16");
        Dense after = new Dense(3);
        LSTM lstm = new LSTM(4).returnSequences(true);
        Policy.setGlobalPolicy("float32");
        assertSame(Policy.FLOAT32, before.dtypePolicy());
        assertSame(Policy.MIXED_BFLOAT16, after.dtypePolicy());
        assertSame(Policy.MIXED_BFLOAT16, lstm.goBackwards(true).dtypePolicy(), "a fluent copy keeps the policy");
        Bidirectional bi = new Bidirectional(new LSTM(4)).dtype("mixed_bfloat16");
        assertSame(Policy.MIXED_BFLOAT16, bi.config().forwardLayer().dtypePolicy());
        assertSame(Policy.MIXED_BFLOAT16, bi.config().backwardLayer().dtypePolicy());
    }

    @Test
    void aSavedModelKeepsItsLayersPolicies(@TempDir Path dir) throws Exception {
        Sequential model = new Sequential(new Embedding(50, 8), new Bidirectional(new LSTM(6)).dtype("mixed_bfloat16"),
            new Dense(1).activation("sigmoid"));
        model.compile(new Adam(1e-3), "binary_crossentropy");
        model.predict(Arrays.tokens(50, 2, 5));
        Path file = dir.resolve("m.seqml");
        model.save(file);
        Policy.setGlobalPolicy("mixed_bfloat16");   // loading ignores the global policy
        Model loaded = Model.load(file);
        List<org.seqml.layers.Layer> layers = loaded.layers();
        assertTrue(Files.size(file) > 0);
        Bidirectional bi = (Bidirectional) layers.stream().filter(l -> l instanceof Bidirectional).findFirst().get();
        assertSame(Policy.MIXED_BFLOAT16, bi.config().forwardLayer().dtypePolicy());
        assertSame(Policy.MIXED_BFLOAT16, bi.config().backwardLayer().dtypePolicy());
        layers.stream().filter(l -> l instanceof Dense || l instanceof Embedding)
            .forEach(l -> assertSame(Policy.FLOAT32, l.dtypePolicy(), l.describe()));
    }

    /**
     * W4's output layer, smaller: (256 x 128) by (128 x 2000), 2^26 multiply-adds, over the
     * size that goes to bfloat16. Sums of 128 products whose factors are each rounded by at most
     * 2^-9: the outputs and gradients stay within 2^-6 of the largest entry (the worst seen 2^-8).
     */
    @Test
    void denseComputesLargeProductsInBfloat16WithinItsPrecision() {
        Assumptions.assumeTrue(Backend.nativeBfloat16(), "no native bfloat16 on this CPU: the policy runs float32");
        INDArray x = Arrays.random(256, 128);
        Dense dense = new Dense(2000);
        dense.call(new INDArray[] {x}, new INDArray[1], false);
        INDArray dy = Arrays.random(256, 2000);
        INDArray[] f32 = denseRun(dense.dtype(Policy.FLOAT32), x, dy);
        INDArray[] bf16 = denseRun(dense.dtype(Policy.MIXED_BFLOAT16), x, dy);
        String[] what = {"output", "input gradient", "kernel gradient", "bias gradient"};
        for (int i = 0; i < f32.length; i++) {
            double scale = f32[i].amaxNumber().doubleValue();
            double diff = f32[i].sub(bf16[i]).amaxNumber().doubleValue();
            if (i != 3) {   // the bias gradient is a column sum, float32 under either policy
                assertTrue(diff > 0, what[i] + ": identical to float32: the bfloat16 product did not run");
            }
            assertTrue(diff <= Math.scalb(scale, -6), what[i] + ": |bf16 - f32| = " + diff + " of " + scale);
        }
    }

    private static INDArray[] denseRun(Dense dense, INDArray x, INDArray dy) {
        Forward f = dense.call(new INDArray[] {x}, new INDArray[1], true);
        dense.weights().forEach(Parameter::zeroGrad);
        INDArray dx = dense.backward(f, new INDArray[] {dy})[0];
        return new INDArray[] {f.output().dup(), dx.dup(), dense.weights().get(0).grad().dup(),
            dense.weights().get(1).grad().dup()};
    }

    /**
     * Where bfloat16 is not native (here: the portable run, oneDNN off), the policy computes in
     * float32: a layer under mixed_bfloat16 gives float32's result exactly.
     */
    @Test
    void withoutNativeBfloat16TheMixedPolicyComputesInFloat32() {
        Assumptions.assumeFalse(Backend.nativeBfloat16(), "bfloat16 is native here (the portable run checks this)");
        INDArray x = Arrays.random(4, 6, 3);
        LSTM lstm = new LSTM(5).returnSequences(true);
        INDArray f32 = lstm.call(new INDArray[] {x}, new INDArray[1], false).output().dup();
        INDArray mixed = lstm.dtype("mixed_bfloat16").call(new INDArray[] {x}, new INDArray[1], false).output();
        assertEquals(f32, mixed);
    }

    /**
     * The same model, data and seed trained for 10 epochs in float32 and in mixed_bfloat16: the
     * bfloat16 run learns the task as float32 does, its loss within 0.03 of float32's at every
     * epoch (the loss falls from 0.63 to under 0.01; the largest gap seen, 0.006, at epoch 7) and
     * its accuracy within 2 points.
     */
    @Test
    void trainingInMixedBfloat16FollowsFloat32sLossCurve() {
        Assumptions.assumeTrue(Backend.nativeBfloat16(), "no native bfloat16 on this CPU: the policy runs float32");
        // label: whether token 1 occurs in the sequence
        RandomSeed.set(3);
        INDArray x = Arrays.tokens(20, 256, 24);
        INDArray y = x.eq(1).castTo(DataType.FLOAT).sum(1).gt(0).castTo(DataType.FLOAT).reshape(256, 1);
        History f32 = train(Policy.FLOAT32, x, y);
        History bf16 = train(Policy.MIXED_BFLOAT16, x, y);
        List<Double> a = f32.get("loss");
        List<Double> b = bf16.get("loss");
        assertTrue(a.get(a.size() - 1) < 0.05, "float32 learns the task: " + a);
        for (int e = 0; e < a.size(); e++) {
            assertEquals(a.get(e), b.get(e), 0.03, "epoch " + (e + 1) + ": float32 " + a + " bf16 " + b);
        }
        assertEquals(f32.last("accuracy"), bf16.last("accuracy"), 0.02);
    }

    private static History train(Policy policy, INDArray x, INDArray y) {
        RandomSeed.set(11);
        Policy.setGlobalPolicy(policy);
        Sequential model = new Sequential(new Embedding(20, 16), new LSTM(64), new Dense(1).activation("sigmoid"));
        Policy.setGlobalPolicy(Policy.FLOAT32);
        model.compile(new Adam(5e-3), "binary_crossentropy", "accuracy");
        return model.fit(x, y, new FitOptions().epochs(10).batchSize(32).shuffle(false).verbose(0));
    }
}
