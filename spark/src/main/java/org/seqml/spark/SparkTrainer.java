package org.seqml.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.callbacks.History;
import org.seqml.data.Example;
import org.seqml.models.Model;
import org.seqml.training.FitOptions;
import org.seqml.training.RemoteSteps;
import scala.Tuple2;

/**
 * Synchronous data-parallel training of a compiled seqml model on Apache Spark, identical to
 * {@code model.fit} on one machine: each step, the driver broadcasts the weights, every partition
 * computes the gradient of its share of the global batch with the ordinary model code
 * ({@link Model#computeGradients}, divided by the whole batch's loss denominators), a
 * {@code treeAggregate} adds the shares, and the driver applies them with the model's own optimizer
 * ({@link Model#applyGradients}). Callbacks, the progress bar, {@code History}, early stopping and
 * validation run on the driver, in {@code fit}'s own loop. The examples stay on the executors
 * (cached there; nothing is collected to the driver), and each step's batch is padded to its
 * longest sequence, per partition, as {@code Dataset} pads (exact with masks, e.g. an Embedding's
 * {@code maskZero}; an activity penalty on a padded sequence output sees each partition's own
 * padding, as it would see another batching on one machine).
 *
 * <pre>{@code
 * JavaRDD<Example> mails = ...;                               // token ids and labels, one per mail
 * model.compile(new Adam(1e-3), "binary_crossentropy", "accuracy");
 * History h = new SparkTrainer(sparkContext, model).fit(mails, new FitOptions().epochs(5).batchSize(64));
 * }</pre>
 *
 * <p>The global batch of step s of an epoch is the examples at positions {@code [s B, (s + 1) B)}
 * of the epoch's order: the RDD's own order ({@code shuffle(false)}, where fit on the same examples
 * in the same order gives the same weights within float rounding), or a permutation drawn from the
 * model's shuffle seed and epoch. Gradients are summed in double precision, so the order in which
 * Spark combines the partitions' sums moves the result by far less than float32's rounding; with
 * dropout, each partition's masks are seeded by the step and the partition, so a retried task
 * draws the same ones and its result is unchanged.
 */
public final class SparkTrainer {
    private final JavaSparkContext sc;
    private final Model model;
    private Transport transport = Transport.FLOAT32;
    private int localSteps = 1;

    public SparkTrainer(JavaSparkContext sc, Model model) {
        if (sc == null || model == null) {
            throw new IllegalArgumentException("SparkTrainer needs a JavaSparkContext and a compiled model, got "
                + (sc == null ? "no context" : "no model") + ".");
        }
        model.trainer("SparkTrainer");   // fails with compile's hint when it was not compiled
        this.sc = sc;
        this.model = model;
    }

    /**
     * How the partitions' gradients travel to the driver: float32 (the default, exact) or 16 bits a
     * value (half the bytes each step; see {@link Transport}).
     */
    public SparkTrainer transport(Transport value) {
        if (value == null) {
            throw new IllegalArgumentException("transport: FLOAT32, BFLOAT16 or FLOAT16, got null.");
        }
        this.transport = value;
        return this;
    }

    /**
     * Local SGD instead of synchronous steps ({@code steps} of 1, the default): in each round of
     * {@code steps} global batches every partition takes that many optimizer steps on its own
     * shares, then the driver averages the weights and optimizer state (weighted by examples). One
     * exchange of the whole model per round rather than a gradient every step; it no longer equals
     * fit (each partition steps on a smaller batch), and each round is one step of the progress
     * bar and of {@code History}'s count.
     */
    public SparkTrainer localSgd(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("localSgd: steps must be at least 1 (1: synchronous), got " + steps + ".");
        }
        this.localSteps = steps;
        return this;
    }

    /**
     * Trains on the examples for {@code options.epochs} epochs of global batches of
     * {@code options.batchSize}, shuffled unless {@code options.shuffle(false)}. Validation data
     * ({@code validationData(Dataset)}) is evaluated on the driver after each epoch.
     */
    public History fit(JavaRDD<Example> data, FitOptions options) {
        if (data == null || options == null) {
            throw new IllegalArgumentException("fit needs the examples (a JavaRDD<Example>) and FitOptions.");
        }
        options.requireOnlyDatasetOptions("SparkTrainer.fit");
        JavaPairRDD<Example, Long> indexed = data.zipWithIndex().persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long n = indexed.count();
            if (n == 0) {
                throw new IllegalArgumentException("SparkTrainer.fit: the RDD holds no examples.");
            }
            Steps steps = new Steps(indexed, n, options.batchSize(), options.shuffle());
            try {
                return model.trainer("fit").fit(localSteps > 1 ? steps.rounds(localSteps) : steps, options);
            } finally {
                steps.close();
            }
        } finally {
            indexed.unpersist(false);
        }
    }

    /** The gradient of step {@code index} of an unshuffled epoch in batches of {@code batchSize}, the weights unchanged. */
    INDArray gradient(JavaRDD<Example> data, int batchSize, int index) {
        JavaPairRDD<Example, Long> indexed = data.zipWithIndex().persist(StorageLevel.MEMORY_AND_DISK());
        Steps steps = new Steps(indexed, indexed.count(), batchSize, false);
        try {
            return steps.gradient(index);
        } finally {
            steps.close();
            indexed.unpersist(false);
        }
    }

    /** The driver's side of each step: broadcast, one Spark job (two with counts first), apply. */
    private final class Steps implements RemoteSteps {
        private final JavaPairRDD<Example, Long> indexed;
        private final long count;
        private final int batchSize;
        private final boolean shuffle;
        private final String id = UUID.randomUUID().toString();
        private final Broadcast<byte[]> architecture;
        private final boolean needsDenominators;
        private final int partitions;
        private long epochSeed = Long.MIN_VALUE;
        private Broadcast<int[]> positions;

        Steps(JavaPairRDD<Example, Long> indexed, long count, int batchSize, boolean shuffle) {
            if (count > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("SparkTrainer: at most " + Integer.MAX_VALUE + " examples, got "
                    + count + ".");
            }
            this.indexed = indexed;
            this.count = count;
            this.batchSize = batchSize;
            this.shuffle = shuffle;
            this.architecture = sc.broadcast(model.toBytes(true));
            this.partitions = indexed.getNumPartitions();
            // one output and no activity penalty: a share's loss is its own sum, divided on the
            // driver by all shares' counts, in one pass; otherwise the counts come first
            boolean activity = model.graph().layers().stream().anyMatch(l -> l.activityRegularizer() != null);
            this.needsDenominators = model.graph().outputs().size() > 1 || activity;
        }

        @Override
        public int steps() {
            return (int) ((count + batchSize - 1) / batchSize);
        }

        @Override
        public RemoteSteps.StepLoss step(long seed, int index) {
            order(seed);
            long from = (long) index * batchSize;
            long to = Math.min(count, from + batchSize);
            Shares.Sum sum = shares(index, from, to);
            // one pass: each share's loss is its sum; divide by all shares' count now
            double divide = needsDenominators ? 1.0 : sum.denominators()[0];
            double[] outputs = sum.outputLosses();
            for (int k = 0; k < outputs.length; k++) {
                outputs[k] /= divide;
            }
            double penalty = model.applyGradients(Nd4j.createFromArray(sum.gradient(divide)));
            return new RemoteSteps.StepLoss(outputs, sum.loss() / divide + penalty, to - from);
        }

        /** The step's global batch, positions [from, to), summed over the partitions' shares: one or two Spark jobs. */
        Shares.Sum shares(int index, long from, long to) {
            long call = model.epochsTrained() * steps() + index;
            Broadcast<float[]> weights = sc.broadcast(model.getFlatWeights().toFloatVector());
            try {
                Shares.Task task = new Shares.Task(id, architecture, weights, positions, from, to, call * partitions,
                    transport);
                double[] denominators = null;
                if (needsDenominators) {
                    denominators = indexed.mapPartitionsWithIndex(task.counting(), false)
                        .treeAggregate(new Shares.Sum(), Shares.Sum::add, Shares.Sum::merge).denominators();
                }
                return indexed.mapPartitionsWithIndex(task.with(denominators, to - from).gradients(), false)
                    .treeAggregate(new Shares.Sum(), Shares.Sum::add, Shares.Sum::merge);
            } finally {
                weights.destroy();
            }
        }

        /** The global batch's gradient at step {@code index} of an unshuffled epoch (tests compare it with one machine's). */
        INDArray gradient(int index) {
            long from = (long) index * batchSize;
            long to = Math.min(count, from + batchSize);
            Shares.Sum sum = shares(index, from, to);
            return Nd4j.createFromArray(sum.gradient(needsDenominators ? 1.0 : sum.denominators()[0]));
        }

        /** The same epochs in rounds of local SGD: each remote step of the fit loop is a round of {@code k} batches. */
        RemoteSteps rounds(int k) {
            Steps batches = this;
            return new RemoteSteps() {
                @Override
                public int steps() {
                    return (batches.steps() + k - 1) / k;
                }

                @Override
                public RemoteSteps.StepLoss step(long seed, int round) {
                    batches.order(seed);
                    int first = round * k;
                    int last = Math.min(batches.steps(), first + k);
                    long[] from = new long[last - first];
                    long[] to = new long[from.length];
                    for (int b = 0; b < from.length; b++) {
                        from[b] = (long) (first + b) * batchSize;
                        to[b] = Math.min(count, from[b] + batchSize);
                    }
                    Broadcast<byte[]> state = sc.broadcast(model.toBytes(true));
                    try {
                        LocalRounds.Round task = new LocalRounds.Round(state, positions, from, to,
                            model.epochsTrained() * batches.steps() + first);
                        LocalRounds.Average average = indexed.mapPartitionsWithIndex(task.train(), false)
                            .treeAggregate(new LocalRounds.Average(), LocalRounds.Average::add,
                                LocalRounds.Average::merge);
                        model.setFlatWeights(Nd4j.createFromArray(average.weights()));
                        LocalRounds.restoreSlots(model, average.slots(), from.length);
                        return new RemoteSteps.StepLoss(average.outputLosses(), average.loss(), average.rows());
                    } finally {
                        state.destroy();
                    }
                }
            };
        }

        /** The epoch's order, drawn anew when the seed changes. */
        void order(long seed) {
            if (seed != epochSeed) {
                epochSeed = seed;
                if (positions != null) {
                    positions.destroy();
                }
                positions = shuffle ? sc.broadcast(Order.permutation((int) count, seed)) : null;
            }
        }

        void close() {
            architecture.destroy();
            if (positions != null) {
                positions.destroy();
            }
            Workers.forget(id);
        }
    }

    /** The examples of one partition within a step's positions, in position order. */
    static List<Example> slice(Iterator<Tuple2<Example, Long>> partition, int[] positions, long from, long to) {
        List<Tuple2<Long, Example>> in = new ArrayList<>();
        while (partition.hasNext()) {
            Tuple2<Example, Long> e = partition.next();
            long position = positions == null ? e._2() : positions[(int) (long) e._2()];
            if (position >= from && position < to) {
                in.add(new Tuple2<>(position, e._1()));
            }
        }
        in.sort(Comparator.comparing(Tuple2::_1));
        List<Example> out = new ArrayList<>(in.size());
        in.forEach(t -> out.add(t._2()));
        return out;
    }
}
