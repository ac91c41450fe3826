package org.seqml.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.callbacks.History;
import org.seqml.data.Dataset;
import org.seqml.data.Example;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

/**
 * Synchronous training on a real Spark master ({@code local[2]}, two task threads): the same
 * gradients and the same training as {@code fit} on one machine, and the same weights run after run.
 */
class SparkTrainerTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        org.seqml.backend.Backend.init();   // CPU tuning before the examples' arrays load ND4J
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("seqml-spark-test")
            .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1");
        sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** Token sequences of 3 to 12 ids (zeros pad them: the Embedding masks), a 0/1 label each. */
    private static List<Example> examples(int n, long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int length = 3 + random.nextInt(10);
            float[] ids = new float[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 1 + random.nextInt(39);
            }
            float label = ids[0] > 20 ? 1 : 0;   // learnable: the first token decides
            out.add(new Example(new INDArray[] {Nd4j.createFromArray(ids)},
                new INDArray[] {Nd4j.createFromArray(new float[] {label})}));
        }
        return out;
    }

    private static Model model(long seed) {
        org.seqml.RandomSeed.set(seed);
        SymbolicTensor in = Input.of(-1);
        SymbolicTensor h = new LSTM(8).apply(new Embedding(40, 6).maskZero(true).apply(in));
        Model model = new Model(in, new Dense(1).activation("sigmoid").apply(h));
        model.compile(new Adam(0.01), "binary_crossentropy");
        return model;
    }

    private static double maxDifference(INDArray a, INDArray b) {
        return Transforms.abs(a.sub(b), false).maxNumber().doubleValue();
    }

    @Test
    void aDistributedGradientEqualsOneMachinesGradient() {
        List<Example> data = examples(40, 1);
        Model model = model(3);
        JavaRDD<Example> rdd = sc.parallelize(data, 3);
        INDArray distributed = new SparkTrainer(sc, model).gradient(rdd, 16, 1);   // examples 16..31
        var batch = Dataset.fromIndexed(16, i -> data.get(16 + i)).paddedBatch(16).batches(0).next();
        INDArray local = model.computeGradients(batch.x(), batch.y(), null, null, -1).gradient();
        double worst = maxDifference(distributed, local);
        System.out.printf("distributed against one machine: max |difference| %.3g (largest |gradient| %.3g)%n", worst,
            local.amaxNumber().doubleValue());
        assertTrue(worst < 1e-6, "max difference " + worst);
    }

    /**
     * Two outputs (per step and per sequence: different counts under the masks): the partitions
     * count first, then divide by the whole batch's counts. (An activity penalty on a padded
     * sequence output would see each partition's own padding: not the same sum.)
     */
    @Test
    void withSeveralOutputsThePartitionsCountFirst() {
        org.seqml.RandomSeed.set(9);
        SymbolicTensor in = Input.of(-1);
        SymbolicTensor h = new LSTM(6).returnSequences(true).apply(new Embedding(40, 5).maskZero(true).apply(in));
        SymbolicTensor steps = new org.seqml.layers.TimeDistributed(new Dense(1).activation("sigmoid")).apply(h);
        SymbolicTensor last = new Dense(1).activation("sigmoid").apply(new LSTM(4).apply(h));
        Model model = new Model(List.of(in), List.of(steps, last));
        model.compile(new Adam(0.01), "binary_crossentropy");
        List<Example> data = new ArrayList<>();
        for (Example e : examples(30, 4)) {
            INDArray perStep = e.x()[0].gt(20).castTo(DataType.FLOAT).reshape(-1, 1);
            data.add(new Example(e.x(), new INDArray[] {perStep, e.y()[0]}));
        }
        INDArray distributed = new SparkTrainer(sc, model).gradient(sc.parallelize(data, 3), 30, 0);
        var batch = Dataset.fromIndexed(30, data::get).paddedBatch(30).batches(0).next();
        INDArray local = model.computeGradients(batch.x(), batch.y(), null, null, -1).gradient();
        double worst = maxDifference(distributed, local);
        assertTrue(worst < 1e-6, "max difference " + worst);
    }

    @Test
    void threeEpochsTrainAsFitAndTheSameRunAfterRun() throws Exception {
        List<Example> data = examples(40, 2);
        Model local = model(5);
        Model first = Model.fromBytes(local.toBytes(true));
        Model second = Model.fromBytes(local.toBytes(true));
        History expected = local.fit(Dataset.fromIndexed(40, data::get).paddedBatch(8),
            new FitOptions().epochs(3).verbose(0));
        FitOptions options = new FitOptions().epochs(3).batchSize(8).shuffle(false).verbose(0);
        History a = new SparkTrainer(sc, first).fit(sc.parallelize(data, 2), options);
        History b = new SparkTrainer(sc, second).fit(sc.parallelize(data, 3), options);
        for (int e = 0; e < 3; e++) {
            assertEquals(expected.get("loss").get(e), a.get("loss").get(e), 1e-5, "epoch " + e);
        }
        double worst = maxDifference(local.getFlatWeights(), first.getFlatWeights());
        System.out.printf("3 epochs: losses %s (fit %s); max |weight difference| against fit %.3g%n",
            a.get("loss"), expected.get("loss"), worst);
        assertTrue(worst < 1e-5, "weights against fit: " + worst);
        assertEquals(first.getFlatWeights(), second.getFlatWeights(), "2 and 3 partitions, bit for bit");
        assertTrue(a.get("loss").get(2) < a.get("loss").get(0), "it learns: " + a.get("loss"));
    }

    /**
     * A driver that stops mid-epoch (as a crashed one would, after its last checkpoint) resumes
     * from the file every 3 steps wrote and ends with an unbroken run's weights, bit for bit
     * (shuffled epochs, dropout seeded per step and partition).
     */
    @Test
    void aRestartedDriverResumesFromItsCheckpointExactly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
        throws Exception {
        List<Example> data = examples(36, 6);
        org.seqml.RandomSeed.set(11);
        SymbolicTensor in = Input.of(-1);
        SymbolicTensor h = new org.seqml.layers.Dropout(0.2).apply(
            new LSTM(8).apply(new Embedding(40, 6).maskZero(true).apply(in)));
        Model start = new Model(in, new Dense(1).activation("sigmoid").apply(h));
        start.compile(new Adam(0.01), "binary_crossentropy");
        Model unbroken = Model.fromBytes(start.toBytes(true));
        Model crashing = Model.fromBytes(start.toBytes(true));
        FitOptions options = new FitOptions().epochs(3).batchSize(8).verbose(0);   // 5 steps an epoch
        new SparkTrainer(sc, unbroken).fit(sc.parallelize(data, 2), options);
        java.nio.file.Path file = dir.resolve("checkpoint.seqml");
        org.seqml.callbacks.Callback crash = new org.seqml.callbacks.LambdaCallback().onBatchEnd((b, logs) -> {
            if (crashing.epochsTrained() == 1 && b == 3) {
                crashing.stopTraining();   // after step 9; the checkpoint holds step 9 (every 3)
            }
        });
        new SparkTrainer(sc, crashing).fit(sc.parallelize(data, 2), new FitOptions().epochs(3).batchSize(8)
            .verbose(0).callbacks(new org.seqml.callbacks.ModelCheckpoint(file.toString()).saveFreq(3), crash));
        Model restarted = Model.load(file);
        assertEquals(1, restarted.epochsTrained());
        assertEquals(4, restarted.stepsInEpoch());
        new SparkTrainer(sc, restarted).fit(sc.parallelize(data, 2),
            new FitOptions().epochs(3).batchSize(8).verbose(0).initialEpoch(1));
        assertEquals(unbroken.getFlatWeights(), restarted.getFlatWeights(), "bit for bit");
    }

    /**
     * Local SGD (rounds of 4 steps per partition, then averaged weights and Adam slots) learns the
     * toy task about as well as the synchronous steps, from the same start.
     */
    @Test
    void localSgdConverges() throws Exception {
        List<Example> data = examples(64, 8);
        Model start = model(15);
        FitOptions options = new FitOptions().epochs(8).batchSize(8).verbose(0);
        Model synchronous = Model.fromBytes(start.toBytes(true));
        Model local = Model.fromBytes(start.toBytes(true));
        History sync = new SparkTrainer(sc, synchronous).fit(sc.parallelize(data, 2), options);
        History rounds = new SparkTrainer(sc, local).localSgd(4).fit(sc.parallelize(data, 2), options);
        var all = Dataset.fromIndexed(64, data::get).paddedBatch(64).batches(0).next();
        double syncLoss = synchronous.evaluate(all.x(), all.y()).get("loss");
        double localLoss = local.evaluate(all.x(), all.y()).get("loss");
        System.out.printf("local SGD (4 steps a round): training loss %.4f (epochs %s); synchronous %.4f; start %.4f%n",
            localLoss, rounds.get("loss"), syncLoss, start.evaluate(all.x(), all.y()).get("loss"));
        assertEquals(8, rounds.get("loss").size());
        assertTrue(localLoss < 0.8 * start.evaluate(all.x(), all.y()).get("loss"), "it learns");
        assertTrue(localLoss < syncLoss * 1.5 + 0.05, "about as well as synchronous: " + localLoss + " vs " + syncLoss);
        assertEquals(synchronous.optimizer().iterations(), local.optimizer().iterations(), "the same steps counted");
    }

    /** Task results' bytes, summed by a listener on the driver. */
    private static final class ResultBytes extends org.apache.spark.scheduler.SparkListener {
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                bytes.addAndGet(end.taskMetrics().resultSize());
            }
        }
    }

    /** 16-bit gradients: half the bytes of the partitions' results, and the same training to a few 1e-3. */
    @Test
    void sixteenBitTransportHalvesTheBytesAndTrainsAlike() throws Exception {
        List<Example> data = examples(48, 7);
        org.seqml.RandomSeed.set(13);
        SymbolicTensor in = Input.of(-1);
        SymbolicTensor h = new LSTM(32).apply(new Embedding(40, 16).maskZero(true).apply(in));
        Model start = new Model(in, new Dense(1).activation("sigmoid").apply(h));
        start.compile(new Adam(0.01), "binary_crossentropy");
        FitOptions options = new FitOptions().epochs(3).batchSize(16).verbose(0);   // 9 steps
        java.util.Map<Transport, Double> bytes = new java.util.EnumMap<>(Transport.class);
        java.util.Map<Transport, List<Double>> losses = new java.util.EnumMap<>(Transport.class);
        for (Transport t : Transport.values()) {
            Model model = Model.fromBytes(start.toBytes(true));
            ResultBytes listener = new ResultBytes();
            sc.sc().addSparkListener(listener);
            losses.put(t, new SparkTrainer(sc, model).transport(t).fit(sc.parallelize(data, 2), options).get("loss"));
            Thread.sleep(200);   // the listener bus delivers the last events
            sc.sc().removeSparkListener(listener);
            bytes.put(t, listener.bytes.get() / 9.0);
        }
        System.out.printf("%,d weights; result bytes per step: float32 %.0f, bfloat16 %.0f, float16 %.0f;"
            + " losses float32 %s, bfloat16 %s, float16 %s%n", start.countParams(), bytes.get(Transport.FLOAT32),
            bytes.get(Transport.BFLOAT16), bytes.get(Transport.FLOAT16), losses.get(Transport.FLOAT32),
            losses.get(Transport.BFLOAT16), losses.get(Transport.FLOAT16));
        assertTrue(bytes.get(Transport.BFLOAT16) < 0.6 * bytes.get(Transport.FLOAT32), bytes.toString());
        for (Transport t : List.of(Transport.BFLOAT16, Transport.FLOAT16)) {
            for (int e = 0; e < 3; e++) {
                assertEquals(losses.get(Transport.FLOAT32).get(e), losses.get(t).get(e), 5e-3, t + " epoch " + e);
            }
        }
    }

    @Test
    void anUncompiledModelOrArrayOptionsAreRefusedClearly() {
        SymbolicTensor in = Input.of(3);
        Model plain = new Model(in, new Dense(1).apply(in));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new SparkTrainer(sc, plain));
        assertTrue(e.getMessage().contains("compile"), e.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
            () -> new SparkTrainer(sc, model(1)).fit(sc.parallelize(examples(4, 1)),
                new FitOptions().validationSplit(0.2)));
        assertTrue(a.getMessage().contains("validationData(Dataset)"), a.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
            () -> new SparkTrainer(sc, model(1)).fit(sc.parallelize(new ArrayList<Example>()), new FitOptions()));
        assertTrue(empty.getMessage().contains("no examples"), empty.getMessage());
    }
}
