package org.seqml.quantization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.Layer;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.layers.recurrent.RNN;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.testing.Arrays;

/**
 * Post-training int8 quantization of whole models: which layers it takes, where it finds their
 * input ranges, and that the quantized model predicts what the float one does (within a few 8-bit
 * steps), on padded and unpadded text, from many threads, and trains no more.
 */
class QuantizerTest {
    @BeforeAll
    static void needsOneDnn() {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.seqml.backend.Switches.portable(),
            "-Dseqml.portable=true turns oneDNN off");
    }

    /** Embedding(maskZero) -> BiLSTM (sequences) -> GRU(resetAfter false) -> Dense; and a default GRU beside. */
    private static Model model() {
        SymbolicTensor tokens = Input.of(30);
        SymbolicTensor e = new Embedding(60, 8).maskZero(true).apply(tokens);
        SymbolicTensor h = new Bidirectional(new LSTM(16).returnSequences(true)).apply(e);
        SymbolicTensor g = new GRU(12).resetAfter(false).apply(h);
        SymbolicTensor other = new GRU(6).apply(e);
        Model model = new Model(tokens, new Dense(1).activation("sigmoid").apply(
            new org.seqml.layers.merging.Concatenate().apply(g, other)));
        model.compile(new org.seqml.optimizers.Adam(1e-3), "binary_crossentropy");
        // weights of a trained model's size: recurrent weights U(-0.3, 0.3), embeddings U(-0.5, 0.5)
        for (Layer layer : model.graph().layers()) {
            layer.weights().forEach(p -> p.value().assign(Arrays.random(p.value().shape()).muli(0.4)));
        }
        return model;
    }

    /** Token ids with rows of every padding: after, before, none, and all but one step. */
    private static INDArray tokens() {
        INDArray x = Arrays.tokens(60, 12, 30);
        for (int r = 0; r < 12; r++) {
            int keep = 1 + (r * 7) % 30;
            for (int t = 0; t < 30 - keep; t++) {
                x.putScalar(r, r % 2 == 0 ? keep + t : t, 0);
            }
        }
        return x;
    }

    @Test
    void quantizesTheLayersWithAnInt8KernelAndPredictsAsTheFloatModel() {
        Model model = model();
        INDArray x = tokens();
        INDArray exact = model.predict(x, 5);
        List<Layer> done = Quantizer.quantize(model);
        assertEquals(5, done.size(), "every layer with weights: " + done);
        assertTrue(done.get(done.size() - 1) instanceof Embedding e && e.quantized()
            && e.weights().get(0).value().dataType() == DataType.INT8);
        assertTrue(done.stream().anyMatch(l -> l instanceof Bidirectional bi && bi.quantized()));
        Dense dense = (Dense) done.stream().filter(l -> l instanceof Dense).findFirst().orElseThrow();
        assertEquals(List.of("kernel", "bias", "kernel_scale", "input_scale"),
            dense.weights().stream().map(p -> p.name()).toList());
        assertEquals(0, dense.weights().get(3).value().getDouble(0), "after a Concatenate: scaled per call");
        RNN<?> defaultGru = (RNN<?>) done.stream().filter(l -> l instanceof GRU g && g.config().resetAfter())
            .findFirst().orElseThrow();
        assertEquals(List.of("kernel", "recurrent_kernel", "bias", "kernel_scale", "recurrent_kernel_scale",
            "input_scale"), defaultGru.weights().stream().map(p -> p.name()).toList());
        RNN<?> gru = (RNN<?>) done.stream().filter(l -> l instanceof GRU g && !g.config().resetAfter())
            .findFirst().orElseThrow();
        assertEquals(List.of("kernel", "recurrent_kernel", "bias", "kernel_scale", "input_scale"),
            gru.weights().stream().map(p -> p.name()).toList());
        assertEquals(DataType.INT8, gru.weights().get(0).value().dataType());
        assertFalse(gru.weights().get(0).trainable());
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        model.summary(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        String summary = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(summary.contains("(GRU, int8)") && summary.contains("(Bidirectional, int8)")
            && summary.contains("(Dense, int8)"), summary);
        assertTrue(summary.contains("int8 params: " + String.format(java.util.Locale.ROOT, "%,d",
            done.stream().flatMap(l -> l.weights().stream()).filter(p -> p.value().dataType() == DataType.INT8)
                .mapToLong(p -> p.value().length()).sum())), summary);
        INDArray quantized = model.predict(x, 5);
        double worst = Transforms.abs(exact.sub(quantized), false).maxNumber().doubleValue();
        // each step's error is a fraction of an 8-bit step (see OneDnnRnnInt8Test); over 30 steps,
        // two recurrent layers and the sigmoid's slope of 1/4 the output stays within a few
        assertTrue(worst < 4 / 127.0, "int8 against float32: " + worst);
        assertTrue(worst > 0, "int8 really ran");
    }

    @Test
    void aQuantizedModelSavesItsInt8WeightsAndLoadsToTheSamePredictions(@org.junit.jupiter.api.io.TempDir
                                                                        java.nio.file.Path dir) throws Exception {
        Model model = model();
        INDArray x = tokens();
        java.nio.file.Path floatFile = dir.resolve("float.seqml");
        model.save(floatFile);
        Quantizer.quantize(model);
        INDArray before = model.predict(x, 5);
        java.nio.file.Path file = dir.resolve("int8.seqml");
        model.save(file);
        Model loaded = Model.load(file);
        assertEquals(0, Transforms.abs(before.sub(loaded.predict(x, 5)), false).maxNumber().doubleValue(), 1e-6);
        RNN<?> gru = (RNN<?>) loaded.graph().layers().stream().filter(l -> l instanceof RNN<?> r && r.quantized())
            .findFirst().orElseThrow();
        assertEquals(DataType.INT8, gru.weights().get(0).value().dataType());
        // a byte a weight instead of four (the scales and biases stay float32)
        assertTrue(java.nio.file.Files.size(file) * 2 < java.nio.file.Files.size(floatFile),
            java.nio.file.Files.size(file) + " against " + java.nio.file.Files.size(floatFile));
    }

    @Test
    void aSharedLayerIsQuantizedOnceWithTheWidestOfItsInputs() {
        SymbolicTensor a = Input.of(12);
        SymbolicTensor b = Input.of(12);
        Embedding small = new Embedding(20, 4);
        Embedding wide = new Embedding(20, 4);
        LSTM shared = new LSTM(5);
        Model model = new Model(List.of(a, b), List.of(new org.seqml.layers.merging.Add().apply(
            shared.apply(small.apply(a)), shared.apply(wide.apply(b)))));
        small.weights().get(0).value().assign(Arrays.random(20, 4).muli(0.1));
        wide.weights().get(0).value().assign(Arrays.random(20, 4).muli(2));
        double widest = wide.largestWeight();
        INDArray[] x = {Arrays.tokens(20, 6, 12), Arrays.tokens(20, 6, 12)};
        INDArray exact = model.predict(x)[0];
        List<Layer> done = Quantizer.quantize(model);
        assertEquals(1, done.stream().filter(l -> l == shared).count());
        assertEquals((float) (1 / widest), shared.weights().get(4).value().getFloat(0), 1e-6, "input_scale");
        double worst = Transforms.abs(exact.sub(model.predict(x)[0]), false).maxNumber().doubleValue();
        assertTrue(worst < 4 / 127.0, "int8 against float32: " + worst);
    }

    /**
     * Dense layers alone (on sequences: the last axis): the hidden one scales its inputs per sample
     * (after a ReLU nothing bounds them), the last one after calibration; each product within its
     * rounding bound (Int8MatmulTest), so the outputs within a few 8-bit steps; the file round trip
     * keeps both forms.
     */
    @Test
    void denseLayersQuantizeDynamicallyOrCalibratedAndSaveBoth(@org.junit.jupiter.api.io.TempDir
                                                             java.nio.file.Path dir) throws Exception {
        SymbolicTensor in = Input.of(7, 10);
        Dense hidden = new Dense(32).activation("relu");
        Dense out = new Dense(3);
        Model model = new Model(in, out.apply(hidden.apply(in)));
        INDArray x = Arrays.random(9, 7, 10).muli(2);
        INDArray exact = model.predict(x);
        Quantizer.Calibration c = Quantizer.calibrate(model, new INDArray[] {x}, 4);
        java.util.Map<String, Double> ranges = new java.util.HashMap<>(c.inputRanges());
        ranges.put(hidden.name(), 0.0);   // per call
        Quantizer.quantize(model, new Quantizer.Calibration(ranges));
        assertEquals(0, hidden.weights().get(3).value().getDouble(0));
        assertEquals(1 / c.inputRanges().get(out.name()), out.weights().get(3).value().getDouble(0), 1e-6);
        INDArray int8 = model.predict(x);
        double worst = Transforms.abs(exact.sub(int8), false).maxNumber().doubleValue();
        double scale = exact.amaxNumber().doubleValue();
        assertTrue(worst > 0 && worst < scale * 4 / 127.0, "int8 against float32: " + worst + " of " + scale);
        java.nio.file.Path file = dir.resolve("dense.seqml");
        model.save(file);
        Model loaded = Model.load(file);
        assertEquals(0, Transforms.abs(int8.sub(loaded.predict(x)), false).maxNumber().doubleValue(), 1e-6);
        assertTrue(loaded.graph().layers().stream().filter(l -> l instanceof Dense)
            .allMatch(l -> ((Dense) l).quantized()));
    }

    @Test
    void aRangeNoLayerBeforeBoundsNeedsCalibration() {
        SymbolicTensor in = Input.of(10, 4);
        SymbolicTensor projected = new Dense(8).apply(in);
        Model model = new Model(in, new LSTM(6).apply(projected));
        INDArray x = Arrays.random(20, 10, 4).muli(3);
        INDArray exact = model.predict(x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(model));
        assertTrue(e.getMessage().contains("calibrate"), e.getMessage());
        Quantizer.Calibration c = Quantizer.calibrate(model, new INDArray[] {x}, 8);
        String lstm = model.graph().layers().get(2).name();
        double range = c.inputRanges().get(lstm);
        assertEquals(model.graph().layers().get(1).call(new INDArray[] {x}, new INDArray[1], false).output()
            .amaxNumber().doubleValue(), range, 1e-6, "the largest |input| the LSTM met");
        Quantizer.quantize(model, c);
        double worst = Transforms.abs(exact.sub(model.predict(x)), false).maxNumber().doubleValue();
        assertTrue(worst < 4 / 127.0, "int8 against float32: " + worst);
    }

    @Test
    void aQuantizedModelPredictsFromManyThreadsAndTrainsNoMore() throws Exception {
        Model model = model();
        INDArray x = tokens();
        Quantizer.quantize(model);
        INDArray once = model.predict(x, 5);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<INDArray>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> model.predict(x, 3 + (int) (Thread.currentThread().getId() % 3))));
            }
            for (Future<INDArray> r : results) {
                assertEquals(0, Transforms.abs(once.sub(r.get()), false).maxNumber().doubleValue(), 1e-6);
            }
        } finally {
            pool.shutdown();
        }
        INDArray y = org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 12, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> model.fit(x, y, new org.seqml.training.FitOptions().epochs(1).verbose(0)));
        assertTrue(e.getMessage().contains("inference only"), e.getMessage());
    }
}
