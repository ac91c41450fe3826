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
import org.seqml.data.Example;
import org.seqml.examples.Args;
import org.seqml.layers.Dense;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.spark.SparkTrainer;
import org.seqml.spark.Transport;
import org.seqml.training.FitOptions;

/**
 * What one synchronous step costs on Spark beside its computation: models of 10 thousand to 3
 * million weights (Dense layers, whose gradients cost next to nothing on 2 examples a partition),
 * trained for some steps; the time per step is then broadcast, scheduling and aggregation alone,
 * with the bytes of the partitions' results per step from Spark's own task metrics.
 *
 * <pre>
 * mvn -q -pl spark-examples -am compile exec:java -Dexec.mainClass=org.seqml.spark.examples.StepOverhead
 * </pre>
 * Options: master (local[2]), steps (30), partitions (2), transport (float32).
 */
public final class StepOverhead {
    private StepOverhead() {
    }

    public static void main(String[] args) {
        Args a = Args.parse(args, Set.of("master", "steps", "partitions", "transport"));
        String master = a.get("master", "local[2]");
        int steps = a.get("steps", 30);
        int partitions = a.get("partitions", 2);
        Transport transport = Transport.valueOf(a.get("transport", "float32").toUpperCase(Locale.ROOT));
        SparkConf conf = new SparkConf().setAppName("seqml step overhead").setIfMissing("spark.master", master)
            .set("spark.ui.showConsoleProgress", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            System.out.printf("| weights | ms per step (median of %d) | result bytes per step | broadcast bytes |%n", steps);
            System.out.println("|---|---|---|---|");
            for (int width : new int[] {100, 316, 1000, 1732}) {
                RandomSeed.set(1);
                SymbolicTensor in = Input.of(width);
                Model model = new Model(in, new Dense(1).apply(new Dense(width).activation("tanh").apply(in)));
                model.compile(new Adam(1e-3), "mse");
                List<Example> data = new ArrayList<>();
                for (int i = 0; i < 2 * partitions * steps; i++) {
                    data.add(new Example(new INDArray[] {Nd4j.rand(width)}, new INDArray[] {Nd4j.rand(1)}));
                }
                ResultBytes listener = new ResultBytes();
                sc.sc().addSparkListener(listener);
                StepTimes times = new StepTimes();
                new SparkTrainer(sc, model).transport(transport).fit(sc.parallelize(data, partitions),
                    new FitOptions().epochs(1).batchSize(2 * partitions).verbose(0).callbacks(times));   // shuffled: every partition has a share
                sleep();
                sc.sc().removeSparkListener(listener);
                System.out.printf(Locale.ROOT, "| %,d | %.0f | %,d | %,d |%n", model.countParams(), times.median(),
                    listener.bytes() / (steps + 1), model.countParams() * 4);
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(300);   // the listener bus delivers the last events
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Each step's wall time on the driver. */
    private static final class StepTimes extends org.seqml.callbacks.Callback {
        private final List<Double> ms = new ArrayList<>();
        private long start;

        @Override
        public void onTrainBatchBegin(int batch, java.util.Map<String, Double> logs) {
            start = System.nanoTime();
        }

        @Override
        public void onTrainBatchEnd(int batch, java.util.Map<String, Double> logs) {
            if (batch > 0) {   // the first builds the workers' models
                ms.add((System.nanoTime() - start) / 1e6);
            }
        }

        double median() {
            List<Double> sorted = new ArrayList<>(ms);
            sorted.sort(Double::compare);
            return sorted.get(sorted.size() / 2);
        }
    }

    /** Task results' bytes, from Spark's task metrics. */
    private static final class ResultBytes extends org.apache.spark.scheduler.SparkListener {
        private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                bytes.addAndGet(end.taskMetrics().resultSize());
            }
        }

        long bytes() {
            return bytes.get();
        }
    }
}
