package org.seqml.spark.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.callbacks.History;
import org.seqml.data.Dataset;
import org.seqml.data.Example;
import org.seqml.examples.Args;
import org.seqml.examples.spam.SpamClassifier;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.layers.pooling.GlobalMaxPooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.spark.SparkTrainer;
import org.seqml.spark.Transport;
import org.seqml.text.TextVectorization;
import org.seqml.training.FitOptions;

/**
 * The spam classifier (the README's main example) trained on Apache Spark: the mails' token ids
 * become an RDD of examples on the executors, {@link SparkTrainer} trains the BiLSTM
 * synchronously, and the driver evaluates it on the test mails; beside it (unless
 * {@code compare=0}) the same model from the same weights trained by {@code fit} on this machine.
 *
 * <pre>
 * mvn -q -pl spark-examples -am compile exec:java                                  # local[2]
 * spark-examples/scripts/standalone-cluster.sh                                     # a master and two workers
 * </pre>
 * Options ({@code -Dexec.args="epochs=3 limit=2000"}): master (local[2] or spark://host:port),
 * epochs, batch, limit (training mails), partitions, seed, compare (1: also fit on one machine),
 * transport (float32, bfloat16, float16), localSgd (steps a round; 1: synchronous).
 */
public final class SpamOnSpark {
    private SpamOnSpark() {
    }

    public static void main(String[] args) {
        Args a = Args.parse(args, Set.of("master", "epochs", "batch", "limit", "partitions", "seed", "compare",
            "transport", "localSgd"));
        String master = a.get("master", "local[2]");
        int epochs = a.get("epochs", 3);
        int batch = a.get("batch", 64);
        int limit = a.get("limit", Integer.MAX_VALUE);
        int partitions = a.get("partitions", 2);
        long seed = a.get("seed", 5);
        boolean compare = a.get("compare", 1) == 1;
        Transport transport = Transport.valueOf(a.get("transport", "float32").toUpperCase(Locale.ROOT));
        int localSgd = a.get("localSgd", 1);

        SpamClassifier.Data data = SpamClassifier.data(seed, limit);
        TextVectorization vectorize = new TextVectorization().maxTokens(20_000).outputSequenceLength(200);
        vectorize.adapt(data.trainTexts());
        List<Example> train = examples(vectorize, data.trainTexts(), data.trainLabels());
        INDArray testIds = vectorize.apply(data.testTexts());
        System.out.printf(Locale.ROOT, "%,d training mails, %,d test mails, vocabulary %,d%n", train.size(),
            data.testTexts().size(), vectorize.vocabularySize());

        RandomSeed.set(seed);
        Model start = model(vectorize.vocabularySize());
        byte[] initial = start.toBytes(true);

        SparkConf conf = new SparkConf().setAppName("seqml spam on Spark").setIfMissing("spark.master", master)
            .set("spark.ui.showConsoleProgress", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            Model distributed = Model.fromBytes(initial);
            long t0 = System.nanoTime();
            History h = new SparkTrainer(sc, distributed).transport(transport).localSgd(localSgd).fit(stored(sc, train, partitions),
                new FitOptions().epochs(epochs).batchSize(batch).verbose(2));
            double sparkSeconds = (System.nanoTime() - t0) / 1e9;
            SpamClassifier.Result onSpark = SpamClassifier.score(distributed.evaluate(testIds, data.testLabels()), h);
            System.out.printf(Locale.ROOT, "Spark (%s, %d partitions, %s gradients, %s): %.1f s for %d epochs, %.0f"
                    + " samples/s; test accuracy %.4f, spam F1 %.4f; weights CRC32 %08x%n", sc.master(), partitions,
                transport, localSgd > 1 ? "local SGD, " + localSgd + " steps a round" : "synchronous", sparkSeconds, epochs, train.size() * (double) epochs / sparkSeconds, onSpark.accuracy(),
                onSpark.f1(), checksum(distributed));
            if (compare) {
                Model local = Model.fromBytes(initial);
                long t1 = System.nanoTime();
                local.fit(Dataset.fromIndexed(train.size(), train::get).paddedBatch(batch),
                    new FitOptions().epochs(epochs).verbose(2));
                double localSeconds = (System.nanoTime() - t1) / 1e9;
                SpamClassifier.Result alone = SpamClassifier.score(local.evaluate(testIds, data.testLabels()), null);
                System.out.printf(Locale.ROOT, "fit on this machine: %.1f s, %.0f samples/s; test accuracy %.4f,"
                        + " spam F1 %.4f%n", localSeconds, train.size() * (double) epochs / localSeconds,
                    alone.accuracy(), alone.f1());
                System.out.printf(Locale.ROOT, "accuracy on Spark minus on one machine: %+.2f points%n",
                    100 * (onSpark.accuracy() - alone.accuracy()));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The examples as a cluster reads data: written once as an object file (under the system's
     * temporary directory, which the workers of this machine share) and read back, so each task
     * carries a file split rather than its examples (parallelize puts a partition's values into
     * every task of every step: 1.7 MB a task here).
     */
    static org.apache.spark.api.java.JavaRDD<Example> stored(JavaSparkContext sc, List<Example> examples,
                                                              int partitions) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("seqml-spam-examples");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            String path = dir.resolve("examples").toString();
            sc.parallelize(examples, partitions).saveAsObjectFile(path);
            return sc.<Example>objectFile(path, partitions);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void delete(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }

    /** A CRC32 of the weights' float32 bits: two runs that print the same trained the same weights. */
    static long checksum(Model model) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        for (float f : model.getFlatWeights().toFloatVector()) {
            int bits = Float.floatToRawIntBits(f);
            crc.update(new byte[] {(byte) bits, (byte) (bits >>> 8), (byte) (bits >>> 16), (byte) (bits >>> 24)});
        }
        return crc.getValue();
    }

    /** The classifier of SpamClassifier on token ids (the vectorizing stays on the driver). */
    static Model model(int vocabulary) {
        SymbolicTensor ids = Input.of("ids", -1);
        SymbolicTensor words = new Embedding(vocabulary, 64).maskZero(true).apply(ids);
        SymbolicTensor read = new Bidirectional(new LSTM(32).returnSequences(true)).apply(words);
        SymbolicTensor pooled = new Concatenate().apply(new GlobalAveragePooling1D().apply(read),
            new GlobalMaxPooling1D().apply(read));
        SymbolicTensor hidden = new Dropout(0.3).apply(new Dense(32).activation("relu").apply(pooled));
        Model model = new Model(ids, new Dense(1).activation("sigmoid").apply(hidden));
        model.compile(new Adam(0.003), "binary_crossentropy", "accuracy", "precision", "recall");
        return model;
    }

    /** One example per mail: its ids (at most 200, unpadded: each batch pads to its longest) and label. */
    static List<Example> examples(TextVectorization vectorize, List<String> texts, INDArray labels) {
        List<Example> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = vectorize.ids(texts.get(i));
            float[] row = new float[Math.max(1, Math.min(ids.length, 200))];
            for (int t = 0; t < Math.min(ids.length, 200); t++) {
                row[t] = ids[t];
            }
            out.add(new Example(new INDArray[] {Nd4j.createFromArray(row)},
                new INDArray[] {Nd4j.createFromArray(new float[] {labels.getFloat(i)})}));
        }
        return out;
    }
}
