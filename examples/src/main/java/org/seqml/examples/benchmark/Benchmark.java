package org.seqml.examples.benchmark;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.RandomSeed;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.layers.recurrent.RNN;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;

/**
 * The benchmark workloads W1-W5 of {@code ../shared/bench/README.md}, and W6, W1's model on padded
 * text (a batch of 64 with lengths from 20 to 200, mean 110, pre-padded as Keras's
 * {@code pad_sequences} pads, under Embedding's {@code maskZero}), run through the public API,
 * beside the PyTorch peer ({@code examples/bench/pytorch_peer.py}, the shared peer plus W6 on
 * {@code pack_padded_sequence}) in the same run when Debian's python3-torch is installed. Prints
 * samples/s per workload (median of the timed steps) and the ratio seqml/PyTorch. Modes: {@code train},
 * {@code infer}, and {@code infer8}: inference after int8 quantization ({@code Quantizer.quantize};
 * the peer's {@code torch.quantization.quantize_dynamic} of its LSTM and Linear layers).
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.benchmark.Benchmark \
 *     -Dexec.args="w1:train,w1:infer,w2:train,w3:train,w4:train,w5:infer --reps 5 --warmup 2 --rounds 3"
 * </pre>
 * A benchmark, not a test: it takes minutes.
 */
public final class Benchmark {
    static final String ALL = "w1:train,w1:infer,w2:train,w3:train,w4:train,w5:infer";

    /**
     * What to run: workload:mode tasks, timed repetitions and warm-up steps, whether to run the peer,
     * and how many rounds.
     */
    public record Options(List<String> tasks, int reps, int warmup, boolean peer, int rounds) {
    }

    private Benchmark() {
    }

    public static void main(String[] args) {
        List<String> tasks = Arrays.asList((args.length > 0 && !args[0].startsWith("--") ? args[0] : ALL).split(","));
        int reps = intArg(args, "--reps", 3);
        int warmup = intArg(args, "--warmup", 1);
        boolean peer = !Arrays.asList(args).contains("--no-peer");
        run(new Options(tasks, reps, warmup, peer, intArg(args, "--rounds", 1)));
    }

    /**
     * Runs the tasks; returns seqml's samples/s per task (the median over rounds). Each task runs in
     * seqml and then at once in the peer, round after round: these shared machines drift by tens of
     * percent within minutes (PyTorch's own W1 moved from 298 to 437 samples/s between two runs),
     * so a ratio is only fair between measurements taken seconds apart. The table gives, per task,
     * the median over rounds of both rates and of the per-round ratio, and the range of the ratio.
     */
    public static Map<String, Double> run(Options o) {
        Map<String, List<Double>> ours = new LinkedHashMap<>();
        Map<String, List<Double>> theirs = new LinkedHashMap<>();
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (int round = 1; round <= o.rounds(); round++) {
            for (String task : o.tasks()) {
                double v = measure(task, o.reps(), o.warmup());
                ours.computeIfAbsent(task, k -> new ArrayList<>()).add(v);
                System.out.printf(Locale.ROOT, "round %d seqml   %-9s %10.1f samples/s%n", round, task, v);
                Double t = o.peer() ? PyTorchPeer.run(List.of(task), o.reps(), o.warmup()).get(task) : null;
                if (t != null) {
                    theirs.computeIfAbsent(task, k -> new ArrayList<>()).add(t);
                    ratios.computeIfAbsent(task, k -> new ArrayList<>()).add(v / t);
                }
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-9s %14s %14s %8s %16s   (medians of %d round%s)%n", "task", "seqml", "pytorch",
            "ratio", "ratio range", o.rounds(), o.rounds() == 1 ? "" : "s");
        Map<String, Double> result = new LinkedHashMap<>();
        for (String task : o.tasks()) {
            result.put(task, median(ours.get(task)));
            List<Double> r = ratios.get(task);
            System.out.printf(Locale.ROOT, "%-9s %14.1f %14s %8s %16s%n", task, result.get(task),
                r == null ? "-" : String.format(Locale.ROOT, "%.1f", median(theirs.get(task))),
                r == null ? "-" : String.format(Locale.ROOT, "%.2fx", median(r)),
                r == null ? "-" : String.format(Locale.ROOT, "%.2f-%.2fx", min(r), max(r)));
        }
        return result;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** The least time each task warms up for, whatever {@code warmup} says. */
    static final double WARMUP_SECONDS = 2.0;

    /**
     * Median samples/s of {@code reps} timed steps after {@code warmup} untimed ones, and more
     * until {@value #WARMUP_SECONDS} s have passed: the JIT compiles the Java side of a call only
     * after thousands of calls, and W5's batch-1 call (about 1.5 ms warm) ran at a third of its
     * speed after ten warm-up calls (127 against 376 samples/s), where a service has long run them.
     */
    static double measure(String task, int reps, int warmup) {
        String[] parts = task.split(":");
        String w = parts[0];
        String mode = parts.length > 1 ? parts[1] : "infer";
        boolean train = mode.startsWith("train");
        RandomSeed.set(1);
        // "trainbf16", "inferbf16": the model's layers made under Keras's mixed_bfloat16 policy
        org.seqml.mixedprecision.Policy.setGlobalPolicy(mode.endsWith("bf16") ? "mixed_bfloat16" : "float32");
        Workload workload;
        try {
            workload = Workload.of(w);
        } finally {
            org.seqml.mixedprecision.Policy.setGlobalPolicy("float32");
        }
        if (mode.equals("infer8")) {
            // post-training int8, no data needed: the LSTM's input range is the embedding's largest weight
            org.seqml.quantization.Quantizer.quantize(workload.model());
        }
        Runnable step = train ? () -> workload.model().trainOnBatch(workload.x(), workload.y())
            : () -> workload.model().predict(workload.x(), workload.batch());
        long start = System.nanoTime();
        for (int i = 0; i < warmup || System.nanoTime() - start < WARMUP_SECONDS * 1e9; i++) {
            step.run();
        }
        double[] rates = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            step.run();
            rates[r] = workload.batch() / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(rates);
        return rates[reps / 2];
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    /** A model with its compiled loss and one batch of data. */
    record Workload(Model model, INDArray[] x, INDArray[] y, int batch) {

        static Workload of(String name) {
            return switch (name) {
                case "w1" -> classifier(new LSTM(128), 64);
                case "w2" -> classifier(new GRU(128), 64);
                case "w3" -> classifier(new Bidirectional(new LSTM(128)), 64);
                case "w5" -> classifier(new LSTM(128), 1);
                case "w4" -> seq2seq();
                case "w6" -> padded();
                default -> throw new IllegalArgumentException("unknown workload " + name + "; known: w1..w6");
            };
        }

        /** Embedding(20000, 128) -> recurrent layer (last step) -> Dense(1, sigmoid); sequences of 200. */
        private static Workload classifier(org.seqml.layers.Layer recurrent, int batch) {
            SymbolicTensor tokens = Input.of(200);
            SymbolicTensor h = recurrent.apply(new Embedding(20000, 128).apply(tokens));
            Model model = new Model(tokens, new Dense(1).activation("sigmoid").apply(h));
            model.compile(new Adam(1e-3), "binary_crossentropy");
            INDArray x = ids(batch, 200, 20000);
            INDArray y = Nd4j.rand(DataType.FLOAT, batch, 1).gt(0.5).castTo(DataType.FLOAT);
            return new Workload(model, new INDArray[] {x}, new INDArray[] {y}, batch);
        }

        /** W6's lengths: 20 to 200, spread evenly over the batch; the peer's {@code lengths()} gives the same. */
        static int[] lengths(int batch) {
            int[] out = new int[batch];
            for (int i = 0; i < batch; i++) {
                out[i] = 20 + ((i * 37) % batch) * 180 / (batch - 1);
            }
            return out;
        }

        /** W1's model under maskZero on W6's padded batch: each row's tokens at its end, zeros before. */
        private static Workload padded() {
            SymbolicTensor tokens = Input.of(200);
            SymbolicTensor h = new LSTM(128).apply(new Embedding(20000, 128).maskZero(true).apply(tokens));
            Model model = new Model(tokens, new Dense(1).activation("sigmoid").apply(h));
            model.compile(new Adam(1e-3), "binary_crossentropy");
            INDArray x = ids(64, 200, 20000).addi(1);
            int[] lengths = lengths(64);
            for (int i = 0; i < 64; i++) {
                x.get(NDArrayIndex.point(i), NDArrayIndex.interval(0, 200 - lengths[i])).assign(0);
            }
            INDArray y = Nd4j.rand(DataType.FLOAT, 64, 1).gt(0.5).castTo(DataType.FLOAT);
            return new Workload(model, new INDArray[] {x}, new INDArray[] {y}, 64);
        }

        /** Teacher-forced encoder-decoder: the encoder's (h, c) seed the decoder; vocabulary 5000, length 20. */
        private static Workload seq2seq() {
            SymbolicTensor src = Input.of(20);
            SymbolicTensor tgt = Input.of(20);
            List<SymbolicTensor> encoded = new LSTM(256).returnState(true)
                .applyAll(new Embedding(5000, 256).apply(src));
            RNN<?> decoder = new LSTM(256).returnSequences(true);
            SymbolicTensor decoded = decoder.apply(new Embedding(5000, 256).apply(tgt), encoded.get(1), encoded.get(2));
            Model model = new Model(List.of(src, tgt), List.of(new Dense(5000).activation("softmax").apply(decoded)));
            model.compile(new Adam(1e-3), "sparse_categorical_crossentropy");
            return new Workload(model, new INDArray[] {ids(64, 20, 5000), ids(64, 20, 5000)},
                new INDArray[] {ids(64, 20, 5000)}, 64);
        }

        private static INDArray ids(long batch, long time, int vocabulary) {
            return org.nd4j.linalg.ops.transforms.Transforms.floor(
                Nd4j.rand(DataType.FLOAT, batch, time).muli(vocabulary - 1), false);
        }
    }

    /** Runs the peer (seqml's copy, else ../shared/bench's) tuned as its README says, when Debian's torch is installed. */
    static final class PyTorchPeer {
        private static final Pattern RESULT = Pattern.compile(
            "RESULT .*\"workload\": \"(w\\d)\", \"mode\": \"(\\w+)\".*\"samples_per_s\": ([0-9.eE+-]+)");

        static Map<String, Double> run(List<String> tasks, int reps, int warmup) {
            Path script = TunedPython.locate("examples/bench/pytorch_peer.py", "bench/pytorch_peer.py",
                "../shared/bench/pytorch_peer.py", "../../shared/bench/pytorch_peer.py");
            if (script == null || !TunedPython.torchInstalled()) {
                System.out.println("(PyTorch peer not run: needs ../shared/bench/pytorch_peer.py and Debian's"
                    + " python3-torch: apt-get install -y python3-torch libopenblas0-openmp)");
                return Map.of();
            }
            try {
                Map<String, List<Double>> rates = new LinkedHashMap<>();
                for (String line : TunedPython.run(script, List.of(String.join(",", tasks), "--reps",
                    Integer.toString(reps), "--warmup", Integer.toString(warmup)))) {
                    Matcher m = RESULT.matcher(line);
                    if (m.find()) {
                        rates.computeIfAbsent(m.group(1) + ":" + m.group(2), k -> new ArrayList<>())
                            .add(Double.parseDouble(m.group(3)));
                    }
                }
                Map<String, Double> medians = new LinkedHashMap<>();
                rates.forEach((k, v) -> {
                    v.sort(Double::compare);
                    medians.put(k, v.get(v.size() / 2));
                    System.out.printf(Locale.ROOT, "pytorch %-9s %10.1f samples/s%n", k, v.get(v.size() / 2));
                });
                return medians;
            } catch (java.io.IOException e) {
                System.out.println("(PyTorch peer failed: " + e.getMessage() + ")");
                return Map.of();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Map.of();
            }
        }
    }
}
