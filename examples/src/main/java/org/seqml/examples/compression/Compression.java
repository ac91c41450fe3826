package org.seqml.examples.compression;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.RandomSeed;
import org.seqml.callbacks.EarlyStopping;
import org.seqml.examples.Args;
import org.seqml.examples.spam.SpamClassifier;
import org.seqml.io.LayerCopy;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.Layer;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.pruning.PolynomialDecay;
import org.seqml.pruning.Pruning;
import org.seqml.pruning.UnitPruning;
import org.seqml.quantization.Quantizer;
import org.seqml.text.TextVectorization;
import org.seqml.training.Distiller;
import org.seqml.training.FitOptions;

/**
 * Compression of the spam classifier (the README's main example), each way measured on the same
 * test mails: the float32 BiLSTM baseline; int8 post-training quantization (ranges from the layers
 * before, and calibrated on training mails); magnitude pruning to 50, 80 and 90 % during a short
 * fine-tuning (TF-MOT's PolynomialDecay, then stripped); structured pruning to half the LSTM units
 * (then fine-tuned); and a small student (Embedding 8, LSTM 16), over several seeds, trained on
 * hard labels alone, on hard labels with augmented copies of the mails ({@link TransferSet}) given
 * their mail's label, and distilled from the baseline on the mails and those copies, which the
 * teacher labels. One table: test accuracy, spam F1, the size of
 * the deployable file ({@code save(path, false)}), batch-1 latency and batch-64 throughput of
 * {@code predict} on token ids. Beside them, when Debian's python3-torch is installed, the same
 * weights in PyTorch, float32 and {@code quantize_dynamic} int8 ({@link SpamPeer}). Written to
 * {@code target/compression/compression.md}.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.compression.Compression
 * </pre>
 * Options ({@code -Dexec.args="seeds=3 studentEpochs=6"}): epochs, fineTuneEpochs, studentEpochs,
 * seeds, limit (training mails), seed, int8Only (1: the baseline and the int8 rows alone).
 */
public final class Compression {

    /** What the run may change. */
    public record Options(int epochs, int fineTuneEpochs, int studentEpochs, int seeds, int limit, int length,
                          long seed, int timedCalls, Path outputDir, boolean int8Only) {
        public static Options defaults() {
            return new Options(4, 2, 6, 5, Integer.MAX_VALUE, 200, 5, 200, Path.of("target/compression"), false);
        }
    }

    /** One line of the table; spreads are 0 for a single run. */
    public record Row(String name, double accuracy, double accuracySpread, double f1, double f1Spread, long params,
                      long fileBytes, double latencyMs, double samplesPerSecond) {
    }

    private Compression() {
    }

    public static void main(String[] args) {
        Args a = Args.parse(args, Set.of("epochs", "fineTuneEpochs", "studentEpochs", "seeds", "limit", "seed",
            "int8Only"));
        Options d = Options.defaults();
        run(new Options(a.get("epochs", d.epochs()), a.get("fineTuneEpochs", d.fineTuneEpochs()),
            a.get("studentEpochs", d.studentEpochs()), a.get("seeds", d.seeds()), a.get("limit", d.limit()),
            d.length(), (long) a.get("seed", (int) d.seed()), d.timedCalls(), d.outputDir(), a.get("int8Only", 0) == 1));
    }

    public static List<Row> run(Options o) {
        SpamClassifier.Data data = SpamClassifier.data(o.seed(), o.limit());
        TextVectorization vectorize = new TextVectorization().maxTokens(20_000).outputSequenceLength(o.length());
        vectorize.adapt(data.trainTexts());
        RandomSeed.set(o.seed());
        Model baseline = SpamClassifier.model(vectorize, o.length());
        compile(baseline, 0.003);
        baseline.fit(data.trainTexts(), data.trainLabels(), new FitOptions().epochs(o.epochs()).batchSize(64)
            .validationSplit(0.1).verbose(0).callbacks(new EarlyStopping("val_loss").patience(1).restoreBestWeights(true)));
        INDArray testIds = baseline.vectorize(data.testTexts());
        INDArray trainIds = baseline.vectorize(data.trainTexts());
        List<Row> rows = new ArrayList<>();
        Map<String, Model> timed = new java.util.LinkedHashMap<>();   // timed side by side at the end
        rows.add(measure("float32 BiLSTM(32) baseline", baseline, testIds, data.testLabels(), timed));

        // post-training int8: ranges from the layers before (the embedding's largest weight), or
        // measured on training mails
        Model dynamic = copy(baseline);
        Quantizer.quantize(dynamic);
        compile(dynamic, 0.003);
        rows.add(measure("int8 (ranges from the layers before)", dynamic, testIds, data.testLabels(), timed));
        Model calibrated = copy(baseline);
        Quantizer.quantize(calibrated, Quantizer.calibrate(calibrated,
            org.seqml.data.Dataset.fromArrays(new INDArray[] {trainIds}, new INDArray[0], null).batch(64), 20));
        compile(calibrated, 0.003);
        rows.add(measure("int8 (ranges calibrated on 20 training batches)", calibrated, testIds, data.testLabels(),
            timed));
        rows.addAll(SpamPeer.run(baseline, testIds, data.testLabels(), o.timedCalls()));
        if (o.int8Only()) {
            return finish(timeSideBySide(rows, timed, testIds, o), o);
        }

        int stepsPerEpoch = (int) Math.ceil(data.trainTexts().size() / 64.0);
        for (double sparsity : new double[] {0.5, 0.8, 0.9}) {
            Model pruned = copy(baseline);
            Pruning pruning = Pruning.pruneLowMagnitude(pruned, new PolynomialDecay(0.0, sparsity, 0,
                Math.max(1, stepsPerEpoch * o.fineTuneEpochs() * 2 / 3), 3, Math.max(1, stepsPerEpoch / 8)));
            compile(pruned, 0.001);
            pruned.fit(trainIds, data.trainLabels(), new FitOptions().epochs(o.fineTuneEpochs()).batchSize(64).verbose(0)
                .callbacks(pruning.callback()));
            Pruning.stripPruning(pruned);
            rows.add(measure(String.format(Locale.ROOT, "pruned to %.0f %% (magnitude)", sparsity * 100), pruned,
                testIds, data.testLabels(), timed));
        }

        String recurrent = baseline.layers().stream().filter(l -> l instanceof Bidirectional).findFirst()
            .map(Layer::name).orElseThrow();
        Model half = UnitPruning.pruneUnits(baseline, recurrent, 0.5);
        compile(half, 0.001);
        half.fit(trainIds, data.trainLabels(), new FitOptions().epochs(o.fineTuneEpochs()).batchSize(64).verbose(0));
        rows.add(measure("structured: BiLSTM(16), fine-tuned", half, testIds, data.testLabels(), timed));

        // the transfer set: two augmented copies of each training mail, unlabeled
        INDArray transfer = TransferSet.of(trainIds, 2, 0.2, 0.3, o.seed() + 7);
        rows.add(students("student Embedding(8) LSTM(16), hard labels", Teaching.HARD, baseline, vectorize, trainIds,
            transfer, testIds, data, o, timed));
        rows.add(students("student, hard labels, + the copies with their mail's label", Teaching.HARD_COPIES, baseline,
            vectorize, trainIds, transfer, testIds, data, o, timed));
        rows.add(students("student, distilled (+ the copies, teacher-labelled)", Teaching.DISTILLED, baseline,
            vectorize, trainIds, transfer, testIds, data, o, timed));
        return finish(timeSideBySide(rows, timed, testIds, o), o);
    }

    /** Prints the table and writes it to the output directory. */
    private static List<Row> finish(List<Row> rows, Options o) {
        String table = table(rows);
        System.out.print(table);
        if (o.outputDir() != null) {
            try {
                Files.createDirectories(o.outputDir());
                Files.writeString(o.outputDir().resolve("compression.md"), table);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return rows;
    }

    private static void compile(Model m, double learningRate) {
        m.compile(new Adam(learningRate), "binary_crossentropy", "accuracy", "precision", "recall");
    }

    /** A trained model's independent copy, through its file. */
    private static Model copy(Model m) {
        try {
            Path file = Files.createTempFile("compression", ".seqml");
            try {
                m.save(file, false);
                return Model.load(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The student: the teacher's vocabulary, an 8-wide embedding and an LSTM(16). */
    private static Model student(TextVectorization vectorize, int length, long seed) {
        RandomSeed.set(seed);
        SymbolicTensor text = Input.of("text", length);
        SymbolicTensor ids = LayerCopy.of(vectorize).apply(text);
        SymbolicTensor read = new LSTM(16).apply(new Embedding(vectorize.vocabularySize(), 8).maskZero(true).apply(ids));
        return new Model(text, new Dense(1).activation("sigmoid").apply(read));
    }

    /** How a student learns: hard labels; hard labels on the mails and their copies; from the teacher. */
    private enum Teaching { HARD, HARD_COPIES, DISTILLED }

    /** The students' optimizer: clipped, as recurrent models are usually trained (both ways alike). */
    private static org.seqml.optimizers.Optimizer studentOptimizer() {
        return new Adam(0.003).globalClipnorm(1.0);
    }

    /** Mean and spread over the seeds; the size (and later the speed) of the first seed's student. */
    private static Row students(String name, Teaching teaching, Model teacher, TextVectorization vectorize,
                                INDArray trainIds, INDArray transfer, INDArray testIds, SpamClassifier.Data data,
                                Options o, Map<String, Model> timed) {
        double[] accuracy = new double[o.seeds()];
        double[] f1 = new double[o.seeds()];
        Row first = null;
        for (int s = 0; s < o.seeds(); s++) {
            Model student = student(vectorize, o.length(), o.seed() + 100 + s);
            FitOptions fit = new FitOptions().epochs(o.studentEpochs()).batchSize(64).verbose(0);
            Map<String, Double> scores;
            switch (teaching) {
                case DISTILLED -> {
                    Distiller distiller = new Distiller(teacher, student).alpha(0.1).temperature(3);
                    distiller.compile(studentOptimizer(), "binary_crossentropy", "accuracy");
                    distiller.fit(trainIds, data.trainLabels(), transfer, fit);
                }
                case HARD_COPIES -> {
                    student.compile(studentOptimizer(), "binary_crossentropy", "accuracy");
                    long copies = transfer.size(0) / trainIds.size(0);
                    INDArray labels = data.trainLabels();
                    INDArray[] repeated = new INDArray[(int) copies + 1];
                    java.util.Arrays.fill(repeated, labels);
                    student.fit(Nd4j.concat(0, trainIds, transfer), Nd4j.concat(0, repeated), fit);
                }
                default -> {
                    student.compile(studentOptimizer(), "binary_crossentropy", "accuracy");
                    student.fit(trainIds, data.trainLabels(), fit);
                }
            }
            compile(student, 0.003);   // evaluate on the hard labels alone
            Row r = measure(name, student, testIds, data.testLabels(), timed);
            accuracy[s] = r.accuracy();
            f1[s] = r.f1();
            first = first == null ? r : first;
        }
        return new Row(name, mean(accuracy), spread(accuracy), mean(f1), spread(f1), first.params(), first.fileBytes(),
            Double.NaN, Double.NaN);
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(0);
    }

    /** The sample standard deviation (0 for one value). */
    private static double spread(double[] v) {
        double m = mean(v);
        return v.length < 2 ? 0 : Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
    }

    /**
     * A model's accuracy, F1, size and parameters; its speed is measured later, beside the others
     * ({@link #timeSideBySide}): it is registered in {@code timed} under the row's name (the first
     * model of a name: a student's first seed).
     */
    private static Row measure(String name, Model m, INDArray testIds, INDArray testLabels, Map<String, Model> timed) {
        SpamClassifier.Result r = SpamClassifier.score(m.evaluate(testIds, testLabels), null);
        long bytes;
        try {
            Path file = Files.createTempFile("compression", ".seqml");
            m.save(file, false);
            bytes = Files.size(file);
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        timed.putIfAbsent(name, m);
        return new Row(name, r.accuracy(), 0, r.f1(), 0, m.countParams(), bytes, Double.NaN, Double.NaN);
    }

    /**
     * Batch-1 latency and batch-64 throughput of every registered model, timed in rounds, each
     * round every model in turn, so that this machine's drift (it moved single passes by 1.5x
     * within minutes) falls on all of them alike. Batch 1: one mail per call, as a service answers
     * a request, the median of all calls; batch 64: 640 test mails a pass, the best pass.
     */
    private static List<Row> timeSideBySide(List<Row> rows, Map<String, Model> timed, INDArray testIds, Options o) {
        long n = testIds.size(0);
        int calls = (int) Math.min(o.timedCalls(), n);
        int rounds = Math.min(8, calls);
        INDArray batchable = testIds.get(NDArrayIndex.interval(0, Math.min(n, 640)), NDArrayIndex.all());
        Map<String, List<Double>> latencies = new java.util.HashMap<>();
        Map<String, Double> best = new java.util.HashMap<>();
        for (int round = -1; round < rounds; round++) {   // round -1 warms every model up, untimed
            for (Map.Entry<String, Model> e : timed.entrySet()) {
                Model m = e.getValue();
                int perRound = round < 0 ? Math.min(20, calls) : calls / rounds;
                for (int i = 0; i < perRound; i++) {
                    int row = Math.floorMod(round * perRound + i, (int) n);
                    INDArray one = testIds.get(NDArrayIndex.interval(row, row + 1), NDArrayIndex.all());
                    long t0 = System.nanoTime();
                    m.predict(one, 1);
                    if (round >= 0) {
                        latencies.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
                    }
                }
                long t0 = System.nanoTime();
                m.predict(batchable, 64);
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (round >= 0) {
                    best.merge(e.getKey(), seconds, Math::min);
                }
            }
        }
        List<Row> out = new ArrayList<>();
        for (Row r : rows) {
            List<Double> ms = latencies.get(r.name());
            if (ms == null) {
                out.add(r);   // measured elsewhere (the PyTorch peer)
                continue;
            }
            double median = ms.stream().sorted().toList().get(ms.size() / 2);
            out.add(new Row(r.name(), r.accuracy(), r.accuracySpread(), r.f1(), r.f1Spread(), r.params(), r.fileBytes(),
                median, batchable.size(0) / best.get(r.name())));
        }
        return out;
    }

    /** The table as Markdown. */
    static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append("| model | test accuracy | spam F1 | parameters | file (KB) | batch-1 latency (ms) | batch-64 samples/s |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %,d | %,d | %.2f | %,.0f |%n", r.name(),
                value(r.accuracy(), r.accuracySpread()), value(r.f1(), r.f1Spread()), r.params(), r.fileBytes() / 1024,
                r.latencyMs(), r.samplesPerSecond()));
        }
        return out.toString();
    }

    private static String value(double v, double spread) {
        return spread == 0 ? String.format(Locale.ROOT, "%.4f", v) : String.format(Locale.ROOT, "%.4f ± %.4f", v, spread);
    }
}
