package org.seqml.training;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.io.keras.KerasH5;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;

/**
 * Bad input at every public entry point gets seqml's own error: an IllegalArgumentException (or
 * the file's exception) that names the argument or layer and says what to do, never an ND4J or
 * JVM internal message, and nothing bad is silently accepted.
 */
class BadInputTest {
    /** What ND4J's and the JVM's own messages look like; none may reach a user. */
    private static final Pattern INTERNAL = Pattern.compile("(?i)(without shape arguments|on empty array|"
        + "interval|Index \\d+ out of bounds|ArrayIndexOutOfBounds|NullPointer|op \\[|Op \\[|HdfException|"
        + "jhdf|Rank is \\[|Op.Type|op validation|java\\.lang\\.)");

    private record Case(String name, Class<? extends Exception> type, String mentions, ThrowingRunnable call) {
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static Model sequences() {
        RandomSeed.set(3);
        Model m = new Sequential(Input.of(5, 3), new LSTM(4), new Dense(1).activation("sigmoid"));
        m.compile(new Adam(), "binary_crossentropy", "accuracy");
        return m;
    }

    private static Model tokens() {
        RandomSeed.set(3);
        Model m = new Sequential(Input.of(org.seqml.Shape.UNKNOWN), new Embedding(10, 4).maskZero(true), new LSTM(4),
            new Dense(1).activation("sigmoid"));
        m.compile(new Adam(), "binary_crossentropy");
        return m;
    }

    private static INDArray x(long n) {
        return Nd4j.rand(DataType.FLOAT, n, 5, 3);
    }

    private static INDArray y(long... shape) {
        if (java.util.Arrays.stream(shape).anyMatch(d -> d == 0)) {
            return Nd4j.zeros(DataType.FLOAT, shape);
        }
        return Nd4j.rand(DataType.FLOAT, shape).gt(0.5).castTo(DataType.FLOAT);
    }

    private static INDArray strings(long... shape) {
        return Nd4j.create(java.util.Collections.nCopies((int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b),
            "word"), shape);
    }

    private static org.seqml.text.TextVectorization adapted() {
        return new org.seqml.text.TextVectorization().adapt(List.of("a b c"));
    }

    private static INDArray withNaN(INDArray a, double value) {
        INDArray b = a.dup();
        b.putScalar(b.length() - 1, value);
        return b;
    }

    private static FitOptions quiet() {
        return new FitOptions().epochs(1).batchSize(4).verbose(0);
    }

    private static List<Case> cases() throws Exception {
        List<Case> c = new ArrayList<>();
        IAE(c, "fit: NaN in labels (n, 1)", "NaN", () -> sequences().fit(x(8), withNaN(y(8, 1), Double.NaN), quiet()));
        IAE(c, "fit: Inf in labels (n)", "NaN or infinite", () -> sequences().fit(x(8), withNaN(y(8), Double.POSITIVE_INFINITY), quiet()));
        IAE(c, "evaluate: NaN in labels (n, 1)", "sample 7", () -> sequences().evaluate(x(8), withNaN(y(8, 1), Double.NaN)));
        IAE(c, "trainOnBatch: NaN in labels (n, 1)", "NaN", () -> sequences().trainOnBatch(x(8), withNaN(y(8, 1), Double.NaN)));
        IAE(c, "fit: NaN in validation labels", "NaN", () -> sequences().fit(x(8), y(8, 1),
            quiet().validationData(x(4), withNaN(y(4, 1), Double.NaN))));
        IAE(c, "fit: NaN in inputs", "sample 7", () -> sequences().fit(withNaN(x(8), Double.NaN), y(8, 1), quiet()));
        IAE(c, "fit: NaN in sample weights", "sampleWeight", () -> sequences().fit(x(8), y(8, 1),
            quiet().sampleWeight(withNaN(Nd4j.ones(DataType.FLOAT, 8), Double.NaN))));
        IAE(c, "predict: no samples", "no samples", () -> sequences().predict(x(0)));
        IAE(c, "fit: no samples", "no samples", () -> sequences().fit(x(0), y(0, 1), quiet()));
        IAE(c, "evaluate: no samples", "no samples", () -> sequences().evaluate(x(0), y(0, 1)));
        IAE(c, "trainOnBatch: no samples", "no samples", () -> sequences().trainOnBatch(x(0), y(0, 1)));
        IAE(c, "predict: zero-length float sequences", "time steps", () -> {
            Model m = new Sequential(Input.of(org.seqml.Shape.UNKNOWN, 3), new LSTM(4), new Dense(1));
            m.predict(Nd4j.rand(DataType.FLOAT, 4, 0, 3));
        });
        IAE(c, "fit: zero-length float sequences", "time steps", () -> {
            Model m = new Sequential(Input.of(org.seqml.Shape.UNKNOWN, 3), new LSTM(4), new Dense(1));
            m.compile(new Adam(), "mse");
            m.fit(Nd4j.rand(DataType.FLOAT, 4, 0, 3), y(4, 1), quiet());
        });
        IAE(c, "predict: zero-length token sequences", "time steps", () -> tokens().predict(Nd4j.zeros(DataType.FLOAT, 4, 0)));
        IAE(c, "fit: validation x 8 samples, y 6", "validation", () -> sequences().fit(x(8), y(8, 1),
            quiet().validationData(x(8), y(6, 1))));
        IAE(c, "fit: validation x 6 samples, y 8", "validation", () -> sequences().fit(x(8), y(8, 1),
            quiet().validationData(x(6), y(8, 1))));
        IAE(c, "fit: validationSplit NaN", "validationSplit", () -> sequences().fit(x(8), y(8, 1),
            quiet().validationSplit(Double.NaN)));
        IAE(c, "fit: x 8 samples, y 6", "samples", () -> sequences().fit(x(8), y(6, 1), quiet()));
        IAE(c, "predict: negative token id", "negative", () -> tokens().predict(Nd4j.create(new float[][] {{1, -2, 3}})));
        IAE(c, "predict: token id past inputDim", "inputDim", () -> tokens().predict(Nd4j.create(new float[][] {{1, 12, 3}})));
        IAE(c, "predict: one sample without its batch axis", "batch axis", () -> sequences().predict(Nd4j.rand(DataType.FLOAT, 5, 3)));
        IAE(c, "predict: rank 4 input", "rank", () -> sequences().predict(Nd4j.rand(DataType.FLOAT, 2, 5, 3, 1)));
        IAE(c, "predict: wrong feature size", "expected data of shape", () -> sequences().predict(Nd4j.rand(DataType.FLOAT, 2, 5, 4)));
        IAE(c, "fit: labels of the wrong rank", "labels have shape", () -> sequences().fit(x(8), y(8, 1, 1), quiet()));
        IAE(c, "predict: batch size 0", "batchSize", () -> sequences().predict(x(4), 0));
        // wrong dtypes: numbers of any type are cast, as in Keras; strings and fractional ids are refused
        IAE(c, "predict: strings (UTF8) as features", "TextVectorization", () -> sequences().predict(strings(8, 5, 3)));
        IAE(c, "fit: strings (UTF8) as labels", "class ids", () -> sequences().fit(x(8), strings(8, 1), quiet()));
        IAE(c, "evaluate: strings (UTF8) as labels", "class ids", () -> sequences().evaluate(x(8), strings(8, 1)));
        IAE(c, "predict: strings (UTF8) as token ids", "TextVectorization", () -> tokens().predict(strings(2, 3)));
        IAE(c, "Dataset.fromArrays: strings (UTF8)", "TextVectorization", () -> org.seqml.data.Dataset.fromArrays(
            new INDArray[] {strings(8, 5, 3)}, new INDArray[] {y(8, 1)}, null));
        IAE(c, "Layer.call: strings (UTF8)", "strings", () -> new Dense(2).call(strings(2, 3)));
        IAE(c, "predict: fractional token ids", "whole numbers", () -> tokens().predict(
            Nd4j.create(new float[][] {{1.5f, 2, 3}})));
        // text
        IAE(c, "predict(texts) on a model without TextVectorization", "TextVectorization", () -> tokens()
            .predict(List.of("some text")));
        IAE(c, "TextVectorization.apply: no texts", "no texts", () -> adapted().apply(List.of()));
        IAE(c, "TextVectorization: a null text", "null", () -> adapted().apply(java.util.Arrays.asList("a", null)));
        IAE(c, "TextVectorization: ids outside its vocabulary", "vocabulary", () -> adapted().call(
            Nd4j.create(new float[][] {{1, 99}})));
        IAE(c, "TextVectorization.apply before adapt", "adapt(texts)", () -> new org.seqml.text.TextVectorization()
            .apply(List.of("hello")));
        IAE(c, "TextVectorization: sequence length 0", "outputSequenceLength", () -> new org.seqml.text.TextVectorization()
            .outputSequenceLength(0));
        IAE(c, "PadSequences: negative length", "length", () -> org.seqml.text.PadSequences.pad(List.of(new int[] {1}),
            -2, org.seqml.text.PadSequences.Side.POST, org.seqml.text.PadSequences.Side.POST, 0));
        // datasets
        IAE(c, "Dataset.fromArrays: x 8 samples, y 6", "samples", () -> org.seqml.data.Dataset.fromArrays(
            new INDArray[] {x(8)}, new INDArray[] {y(6, 1)}, null));
        IAE(c, "Dataset.batch(0)", "batch", () -> org.seqml.data.Dataset.fromArrays(new INDArray[] {x(8)},
            new INDArray[] {y(8, 1)}, null).batch(0));
        IAE(c, "fit(Dataset): NaN in a batch's labels", "NaN", () -> sequences().fit(org.seqml.data.Dataset.fromArrays(
            new INDArray[] {x(8)}, new INDArray[] {withNaN(y(8, 1), Double.NaN)}, null).batch(4), quiet()));
        IAE(c, "evaluate(Dataset): NaN in a batch's inputs", "NaN", () -> sequences().evaluate(
            org.seqml.data.Dataset.fromArrays(new INDArray[] {withNaN(x(8), Double.NaN)}, new INDArray[] {y(8, 1)}, null)
                .batch(4)));
        // options and compile
        IAE(c, "FitOptions: epochs -1", "epochs", () -> new FitOptions().epochs(-1));
        IAE(c, "FitOptions: batchSize 0", "batchSize", () -> new FitOptions().batchSize(0));
        IAE(c, "compile: unknown loss", "Unknown loss", () -> sequences().compile(new Adam(), "binary_crossentropi"));
        IAE(c, "compile: unknown metric", "metric", () -> sequences().compile(new Adam(), "mse", "acuracy"));
        IAE(c, "Optimizer.get: unknown name", "Unknown optimizer", () -> org.seqml.optimizers.Optimizer.get("adamm"));
        c.add(new Case("fit before compile", IllegalStateException.class, "compile", () -> new Sequential(Input.of(5, 3),
            new LSTM(4)).fit(x(4), y(4, 4), quiet())));
        IAE(c, "predict: two inputs given one array", "2 input", () -> {
            org.seqml.models.SymbolicTensor a = Input.of("a", 3);
            org.seqml.models.SymbolicTensor b = Input.of("b", 3);
            new Model(List.of(a, b), List.of(new Dense(1).apply(new org.seqml.layers.merging.Add().apply(a, b))))
                .predict(new INDArray[] {Nd4j.rand(DataType.FLOAT, 2, 3)}, 8);
        });
        IAE(c, "setWeights: too few arrays", "weight arrays", () -> sequences().setWeights(List.of(Nd4j.zeros(3, 16))));
        Path dir = Files.createTempDirectory("bad-input");
        Path weights = dir.resolve("other.weights");
        tokens().saveWeights(weights);
        c.add(new Case("loadWeights: another architecture's file", java.io.IOException.class, "weights",
            () -> sequences().loadWeights(weights)));
        c.add(new Case("Model.load: a directory", java.io.IOException.class, "directory", () -> Model.load(dir)));
        c.add(new Case("Model.load: a missing file", java.io.IOException.class, "does not exist",
            () -> Model.load(dir.resolve("missing.seqml"))));
        Path h5 = dir.resolve("keras.h5");
        Files.copy(Path.of("../../shared/keras-h5").toFile().exists() ? firstH5(Path.of("../../shared/keras-h5"))
            : firstH5(Path.of("../shared/keras-h5")), h5);
        c.add(new Case("Model.load: a Keras .h5", java.io.IOException.class, "KerasH5.load", () -> Model.load(h5)));
        Path empty = Files.createFile(dir.resolve("empty.h5"));
        c.add(new Case("KerasH5.load: an empty file", org.seqml.io.keras.KerasImportException.class, "empty.h5",
            () -> KerasH5.load(empty)));
        Path truncated = dir.resolve("truncated.h5");
        byte[] whole = Files.readAllBytes(h5);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 3));
        c.add(new Case("KerasH5.load: a truncated file", org.seqml.io.keras.KerasImportException.class, "truncated.h5",
            () -> KerasH5.load(truncated)));
        c.add(new Case("KerasH5.load: a missing file", org.seqml.io.keras.KerasImportException.class, "missing.h5",
            () -> KerasH5.load(dir.resolve("missing.h5"))));
        return c;
    }

    private static Path firstH5(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".h5")).sorted().findFirst().orElseThrow();
        }
    }

    private static void IAE(List<Case> c, String name, String mentions, ThrowingRunnable call) {
        c.add(new Case(name, IllegalArgumentException.class, mentions, call));
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputGetsSeqmlsOwnErrorNamingTheFix() throws Exception {
        return cases().stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> {
            try {
                k.call().run();
            } catch (Exception e) {
                String m = String.valueOf(e.getMessage());
                assertTrue(k.type().isInstance(e), k.name() + ": expected " + k.type().getSimpleName() + ", got " + e);
                assertTrue(m.contains(k.mentions()), k.name() + ": the message should mention '" + k.mentions()
                    + "': " + m);
                assertTrue(!INTERNAL.matcher(m).find(), k.name() + ": an internal message reached the user: " + m);
                return;
            }
            fail(k.name() + ": accepted silently");
        }));
    }
}
