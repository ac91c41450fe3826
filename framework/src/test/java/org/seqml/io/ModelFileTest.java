package org.seqml.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.Shape;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.losses.BinaryCrossentropy;
import org.seqml.losses.Loss;
import org.seqml.losses.MeanSquaredError;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.regularizers.L2;
import org.seqml.training.FitOptions;

class ModelFileTest {

    private static INDArray tokens(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return org.nd4j.linalg.ops.transforms.Transforms.floor(Nd4j.rand(DataType.FLOAT, n, 7).muli(19), false);
    }

    private static Sequential classifier() {
        return new Sequential(Input.of(Shape.UNKNOWN), new Embedding(20, 6).maskZero(true),
            new LSTM(5).returnSequences(true).dropout(0.2).recurrentDropout(0.2), new GRU(4),
            new Dropout(0.3), new Dense(1).activation("sigmoid").kernelRegularizer(new L2(0.01)));
    }

    @Test
    void aFunctionalModelRoundTripsWithItsCompileSettings(@TempDir Path dir) throws IOException {
        RandomSeed.set(8);
        SymbolicTensor a = Input.of("a", 5, 3);
        SymbolicTensor b = Input.of("b", 5, 3);
        Bidirectional shared = new Bidirectional(new LSTM(4));
        SymbolicTensor both = new Concatenate().apply(shared.apply(a), shared.apply(b));
        Model model = new Model(List.of(a, b), List.of(new Dense(1).named("score").apply(both),
            new Dense(1).activation("sigmoid").named("same").apply(both)), "pair");
        model.compile(new Adam(0.003).clipnorm(1.0), List.<Loss>of(new MeanSquaredError(),
            new BinaryCrossentropy().fromLogits(false)), List.of(1.0, 0.5), "accuracy");
        INDArray[] x = {Nd4j.rand(DataType.FLOAT, 6, 5, 3), Nd4j.rand(DataType.FLOAT, 6, 5, 3)};
        model.trainOnBatch(x, new INDArray[] {Nd4j.rand(DataType.FLOAT, 6, 1), Nd4j.ones(DataType.FLOAT, 6, 1)});
        Path file = dir.resolve("pair.seqml");
        model.save(file);
        Model loaded = Model.load(file);
        assertEquals("pair", loaded.name());
        assertEquals(model.getWeights(), loaded.getWeights());
        INDArray[] p1 = model.predict(x, 6);
        INDArray[] p2 = loaded.predict(x, 6);
        assertEquals(p1[0], p2[0]);
        assertEquals(p1[1], p2[1]);
        assertEquals(0.003, loaded.optimizer().learningRate(), 1e-12);
        assertEquals(1, loaded.optimizer().iterations());
        assertEquals(model.layers().size(), loaded.layers().size());
    }

    @Test
    void resumingFromAFileContinuesExactly(@TempDir Path dir) throws IOException {
        INDArray x = tokens(48, 1);
        INDArray y = Nd4j.rand(DataType.FLOAT, 48, 1).gt(0.5).castTo(DataType.FLOAT);
        FitOptions four = new FitOptions().epochs(4).batchSize(16).verbose(0);

        RandomSeed.set(21);
        Sequential straight = classifier();
        straight.compile(new Adam(0.01), "binary_crossentropy", "accuracy");
        straight.fit(x, y, four);

        RandomSeed.set(21);
        Sequential first = classifier();
        first.compile(new Adam(0.01), "binary_crossentropy", "accuracy");
        first.fit(x, y, new FitOptions().epochs(2).batchSize(16).verbose(0));
        Path file = dir.resolve("half.seqml");
        first.save(file);
        RandomSeed.set(999);   // whatever happens in between must not matter
        Model resumed = Model.load(file);
        resumed.fit(x, y, new FitOptions().epochs(4).initialEpoch(2).batchSize(16).verbose(0));

        List<INDArray> expected = straight.getWeights();
        List<INDArray> actual = resumed.getWeights();
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "weight " + i + " after 2 + 2 epochs equals 4 straight");
        }
    }

    @Test
    void withoutTheOptimizerTheFileIsSmallerAndLoadsUncompiledWithTheSameOutputs(@TempDir Path dir) throws IOException {
        RandomSeed.set(4);
        Sequential model = classifier();
        model.compile("adam", "binary_crossentropy", "accuracy");
        INDArray x = tokens(32, 2);
        model.fit(x, Nd4j.rand(DataType.FLOAT, 32, 1).gt(0.5).castTo(DataType.FLOAT), 16, 1);
        Path full = dir.resolve("full.seqml");
        Path lean = dir.resolve("lean.seqml");
        model.save(full);
        model.save(lean, false);
        assertTrue(java.nio.file.Files.size(lean) < java.nio.file.Files.size(full) * 0.6,
            java.nio.file.Files.size(lean) + " vs " + java.nio.file.Files.size(full));
        Model loaded = Model.load(lean);
        assertEquals(model.predict(x), loaded.predict(x));
        assertThrows(IllegalStateException.class, () -> loaded.trainer("fit"), "uncompiled");
    }

    @Test
    void weightsLoadInOrderWhenTheNamesWereNumberedOtherwise(@TempDir Path dir) throws IOException {
        RandomSeed.set(4);
        Sequential saved = new Sequential(Input.of(7), new Embedding(20, 4).named("first"), new LSTM(3).named("second"),
            new Dense(1).named("third"));
        Path file = dir.resolve("w.weights");
        saved.saveWeights(file);
        // the same architecture, its layers numbered in another order: the names point at the wrong shapes
        Sequential again = new Sequential(Input.of(7), new Embedding(20, 4).named("second"),
            new LSTM(3).named("first"), new Dense(1).named("third"));
        again.loadWeights(file);
        assertEquals(saved.getWeights(), again.getWeights());
        Sequential other = new Sequential(Input.of(7), new Embedding(20, 5).named("first"), new LSTM(3).named("x"),
            new Dense(1).named("y"));
        IOException e = assertThrows(IOException.class, () -> other.loadWeights(file));
        assertTrue(e.getMessage().contains("[20, 5]") && e.getMessage().contains("[20, 4]"), e.getMessage());
    }

    @Test
    void frozenLayersStayFrozenAfterLoadingAndFitLeavesThem(@TempDir Path dir) throws IOException {
        RandomSeed.set(4);
        Embedding embedding = new Embedding(50, 4);
        embedding.setTrainable(false);
        Bidirectional bi = new Bidirectional(new LSTM(3));
        bi.setTrainable(false);   // before it is built: what it wraps is frozen too
        Sequential model = new Sequential(Input.of(7), embedding, bi, new Dense(1).activation("sigmoid"));
        assertEquals(List.of(false, false, false, false, false, false, false, true, true),
            model.graph().parameters().stream().map(p -> p.trainable()).toList());
        Path file = dir.resolve("frozen.seqml");
        model.save(file);
        Model loaded = Model.load(file);
        assertEquals(List.of(false, false, true), loaded.layers().stream().filter(l -> !l.weights().isEmpty())
            .map(l -> l.trainable()).toList());
        List<INDArray> before = loaded.getWeights().stream().map(INDArray::dup).toList();
        loaded.compile("adam", "binary_crossentropy");
        INDArray x = tokens(16, 3);
        loaded.fit(x, Nd4j.rand(DataType.FLOAT, 16, 1).gt(0.5).castTo(DataType.FLOAT), 8, 1);
        List<INDArray> after = loaded.getWeights();
        for (int i = 0; i < 7; i++) {
            assertEquals(before.get(i), after.get(i), "frozen weight " + i + " unchanged");
        }
        assertFalse(before.get(7).equals(after.get(7)), "the Dense kernel trains");
    }

    @Test
    void aCrashMidSaveLeavesThePreviousFileWhole(@TempDir Path dir) throws IOException {
        RandomSeed.set(4);
        Sequential model = classifier();
        model.compile("adam", "binary_crossentropy");
        INDArray x = tokens(8, 2);
        Path file = dir.resolve("model.seqml");
        model.save(file);
        INDArray before = model.predict(x);
        model.trainOnBatch(x, Nd4j.ones(DataType.FLOAT, 8, 1));
        long size = Files.size(file);
        assertThrows(IOException.class, () -> ModelFile.save(model, file, size / 2));
        assertEquals(before, Model.load(file).predict(x), "the old file is intact");
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList(), "no partial file left behind");
        }
    }

    @Test
    void theNextSaveRemovesWhatAKilledSaveLeftButNotASaveInProgress(@TempDir Path dir) throws IOException {
        RandomSeed.set(4);
        Sequential model = classifier();
        Path file = dir.resolve("model.seqml");
        model.save(file);
        // a JVM killed mid-save leaves its unlocked temporary file; one writing now holds its lock
        Path abandoned = Files.write(dir.resolve(".model.seqml.123.tmp"), new byte[1000]);
        Path inProgress = Files.write(dir.resolve(".model.seqml.456.tmp"), new byte[10]);
        Path otherModel = Files.write(dir.resolve(".other.seqml.789.tmp"), new byte[10]);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(inProgress,
            java.nio.file.StandardOpenOption.WRITE); java.nio.channels.FileLock lock = channel.lock()) {
            model.save(file);
            assertFalse(Files.exists(abandoned), "the killed save's file is removed");
            assertTrue(Files.exists(inProgress), "a save in progress keeps its file");
            assertTrue(Files.exists(otherModel), "another model's files are left alone");
        }
        Model.load(file);
    }

    @Test
    void anAttentionLstmSavedBeforeItRanOnTheRecurrentLoopStillLoads(@TempDir Path dir) throws IOException {
        RandomSeed.set(6);
        SymbolicTensor x = Input.of(3, 2);
        SymbolicTensor memory = Input.of(4, 5);
        List<SymbolicTensor> out = new org.seqml.layers.attention.AttentionLSTM(5).returnState(true).applyAll(x, memory);
        Model model = new Model(List.of(x, memory), out);
        Path file = dir.resolve("decoder.seqml");
        model.save(file);
        // the earlier layout: returnState in the layer's config, no loop options
        Path old = dir.resolve("old.seqml");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        int rewritten = 0;
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(file));
             var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(old))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (e.getName().equals("model.json")) {
                    var root = json.readTree(bytes);
                    for (var layer : root.path("model").path("layers")) {
                        if (layer.path("class").asText().equals("AttentionLSTM")) {
                            var node = (com.fasterxml.jackson.databind.node.ObjectNode) layer;
                            ((com.fasterxml.jackson.databind.node.ObjectNode) node.get("config")).put("returnState", true);
                            node.remove("options");
                            rewritten++;
                        }
                    }
                    bytes = json.writeValueAsBytes(root);
                }
                zip.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                zip.write(bytes);
                zip.closeEntry();
            }
        }
        assertEquals(1, rewritten, "the AttentionLSTM's entry was put in the earlier layout");
        INDArray[] in = {Nd4j.rand(DataType.FLOAT, 2, 3, 2), Nd4j.rand(DataType.FLOAT, 2, 4, 5)};
        INDArray[] expected = model.predict(in, 2);
        INDArray[] loaded = Model.load(old).predict(in, 2);
        assertEquals(expected.length, loaded.length, "the sequence and the three states");
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], loaded[k]);
        }
    }

    @Test
    void truncatedCorruptOrForeignFilesGetAClearError(@TempDir Path dir) throws IOException {
        RandomSeed.set(5);
        Sequential model = classifier();
        Path file = dir.resolve("ok.seqml");
        model.save(file);
        byte[] bytes = Files.readAllBytes(file);

        Path truncated = dir.resolve("truncated.seqml");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        ModelFileException t = assertThrows(ModelFileException.class, () -> Model.load(truncated));
        assertTrue(t.getMessage().contains("truncated"), t.getMessage());

        Path noise = dir.resolve("noise.seqml");
        byte[] random = new byte[2000];
        new java.util.Random(1).nextBytes(random);
        Files.write(noise, random);
        assertThrows(ModelFileException.class, () -> Model.load(noise));

        Path foreign = dir.resolve("foreign.zip");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(foreign))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("model.json"));
            zip.write("{\"format\": \"keras\", \"version\": 3}".getBytes());
            zip.closeEntry();
        }
        ModelFileException f = assertThrows(ModelFileException.class, () -> Model.load(foreign));
        assertTrue(f.getMessage().contains("not a seqml model"), f.getMessage());

        Path corrupt = dir.resolve("corrupt.seqml");
        byte[] flipped = bytes.clone();
        for (int i = bytes.length / 3; i < bytes.length / 3 + 64; i++) {
            flipped[i] ^= 0x5A;
        }
        Files.write(corrupt, flipped);
        assertThrows(ModelFileException.class, () -> Model.load(corrupt));
    }

    @Test
    void everyKindOfLayerSurvivesTheRoundTrip(@TempDir Path dir) throws IOException {
        RandomSeed.set(31);
        SymbolicTensor seq = Input.of("seq", 6, 4);
        SymbolicTensor masked = new org.seqml.layers.Masking(0.0).apply(seq);
        SymbolicTensor rnn = new org.seqml.layers.recurrent.SimpleRNN(3).returnSequences(true).goBackwards(true)
            .apply(masked);
        SymbolicTensor td = new org.seqml.layers.TimeDistributed(new Dense(2).activation("gelu")).apply(rnn);
        SymbolicTensor avg = new org.seqml.layers.pooling.GlobalAveragePooling1D().apply(td);
        SymbolicTensor max = new org.seqml.layers.pooling.GlobalMaxPooling1D().keepdims(true).apply(td);
        SymbolicTensor flat = new org.seqml.layers.Flatten().apply(max);
        SymbolicTensor sum = new org.seqml.layers.merging.Add().apply(avg, flat);
        SymbolicTensor act = new org.seqml.layers.Activation("tanh").apply(sum);
        SymbolicTensor rep = new org.seqml.layers.RepeatVector(2).apply(act);
        SymbolicTensor gru = new GRU(2).resetAfter(false).recurrentActivation("hard_sigmoid").apply(rep);
        SymbolicTensor out = new Dense(1).kernelConstraint(new org.seqml.constraints.MaxNorm(2)).apply(
            new Dropout(0.1).apply(gru));
        Model model = new Model(List.of(seq), List.of(out));
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 6, 4);
        Path file = dir.resolve("all.seqml");
        model.save(file);
        Model loaded = Model.load(file);
        assertEquals(model.predict(x), loaded.predict(x));
        assertEquals(model.layers().stream().map(l -> l.getClass().getSimpleName()).toList(),
            loaded.layers().stream().map(l -> l.getClass().getSimpleName()).toList());
    }

    @Test
    void theFrozenVersion1FixtureStillLoads() throws IOException {
        Path fixture = Path.of("src/test/resources/fixtures/classifier-v1.seqml");
        Model model = Model.load(fixture);
        INDArray x = Nd4j.create(new double[][] {{3, 1, 4, 1, 5, 0, 0}, {9, 2, 6, 5, 3, 5, 8}}).castTo(DataType.FLOAT);
        INDArray p = model.predict(x);
        double[] expected = FixtureValues.EXPECTED;
        assertEquals(expected[0], p.getDouble(0, 0), 1e-6);
        assertEquals(expected[1], p.getDouble(1, 0), 1e-6);
        assertEquals("adam", model.optimizer().kerasName());
    }
}
