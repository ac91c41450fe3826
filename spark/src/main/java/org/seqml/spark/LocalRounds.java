package org.seqml.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.data.Batch;
import org.seqml.data.Dataset;
import org.seqml.data.Example;
import org.seqml.layers.Parameter;
import org.seqml.models.Model;
import org.seqml.optimizers.Optimizer;
import org.seqml.training.Gradients;
import scala.Tuple2;

/**
 * Local SGD (Lin et al. 2020, "Don't use large mini-batches, use local SGD"): in a round of k
 * global batches each partition takes k optimizer steps of its own on its shares of those batches,
 * from the round's common weights and optimizer state; then the driver averages the partitions'
 * weights and optimizer slots, weighted by the examples each trained on. One exchange per k steps
 * instead of every step, for networks too slow for the synchronous mode; with k = 1 and one
 * partition it is fit.
 */
final class LocalRounds {
    private LocalRounds() {
    }

    /** A partition's model after its round: weights, optimizer slots (flat) and what it trained on. */
    record Result(float[] weights, float[] slots, long rows, double lossSum, double[] outputLossSums)
        implements Serializable {
    }

    /** What a round asks of every partition. */
    record Round(Broadcast<byte[]> model, Broadcast<int[]> positions, long[] from, long[] to, long callBase)
        implements Serializable {

        Function2<Integer, Iterator<Tuple2<Example, Long>>, Iterator<Result>> train() {
            return (partition, examples) -> {
                org.seqml.backend.Backend.init();   // in an executor, CPU tuning before its examples load ND4J
                List<Tuple2<Example, Long>> mine = new java.util.ArrayList<>();
                examples.forEachRemaining(mine::add);
                Model local;
                try {
                    local = Model.fromBytes(model.value());
                } catch (IOException e) {
                    throw new UncheckedIOException("a worker could not rebuild the model from its bytes", e);
                }
                long rows = 0;
                double loss = 0;
                double[] outputs = null;
                for (int b = 0; b < from.length; b++) {
                    List<Example> share = SparkTrainer.slice(mine.iterator(), positions == null ? null
                        : positions.value(), from[b], to[b]);
                    if (share.isEmpty()) {
                        continue;
                    }
                    Batch batch = Dataset.fromIndexed(share.size(), share::get).paddedBatch(share.size()).batches(0)
                        .next();
                    Gradients g = local.computeGradients(batch.x(), batch.y(), batch.sampleWeight(), null,
                        (callBase + b) * 1_000_003L + partition);
                    double penalty = local.applyGradients(g.gradient());
                    rows += share.size();
                    loss += (g.loss() + penalty) * share.size();
                    if (outputs == null) {
                        outputs = new double[g.outputLosses().length];
                    }
                    for (int k = 0; k < outputs.length; k++) {
                        outputs[k] += g.outputLosses()[k] * share.size();
                    }
                }
                if (rows == 0) {
                    return Collections.emptyIterator();
                }
                return List.of(new Result(local.getFlatWeights().toFloatVector(), slots(local), rows, loss, outputs))
                    .iterator();
            };
        }
    }

    /** Every weight's optimizer slots, one after another in parameter order (zeros for a weight without). */
    static float[] slots(Model model) {
        Optimizer optimizer = model.optimizer();
        List<Parameter> parameters = model.graph().parameters();
        int count = slotCount(optimizer, parameters);
        long size = org.seqml.layers.FlatParameters.size(parameters);
        float[] out = new float[(int) (size * count)];
        int at = 0;
        for (Parameter p : parameters) {
            INDArray[] s = optimizer.slots(p);
            int n = (int) p.value().length();
            for (int i = 0; i < count; i++) {
                if (s != null) {
                    float[] v = s[i].castTo(DataType.FLOAT).dup('c').reshape(n).toFloatVector();
                    System.arraycopy(v, 0, out, at, n);
                }
                at += n;
            }
        }
        return out;
    }

    private static int slotCount(Optimizer optimizer, List<Parameter> parameters) {
        for (Parameter p : parameters) {
            INDArray[] s = optimizer.slots(p);
            if (s != null) {
                return s.length;
            }
        }
        return 0;
    }

    /** Sets the averaged slots (as {@link #slots} lays them out) and advances the step count by {@code steps}. */
    static void restoreSlots(Model model, float[] flat, long steps) {
        Optimizer optimizer = model.optimizer();
        List<Parameter> parameters = model.graph().parameters();
        long size = org.seqml.layers.FlatParameters.size(parameters);
        int count = size == 0 ? 0 : (int) (flat.length / size);
        Map<Parameter, INDArray[]> saved = new IdentityHashMap<>();
        INDArray all = Nd4j.createFromArray(flat);
        long at = 0;
        for (Parameter p : parameters) {
            long n = p.value().length();
            INDArray[] s = new INDArray[count];
            for (int i = 0; i < count; i++) {
                s[i] = all.get(NDArrayIndex.interval(at, at + n)).dup().reshape(p.value().shape())
                    .castTo(p.value().dataType());
                at += n;
            }
            if (count > 0) {
                saved.put(p, s);
            }
        }
        optimizer.restoreState(optimizer.iterations() + steps, saved);
    }

    /** The results added up, weighted by rows, in double precision. */
    static final class Average implements Serializable {
        private double[] weights;
        private double[] slots;
        private long rows;
        private double lossSum;
        private double[] outputLossSums;

        static Average add(Average a, Result r) {
            a.weights = plus(a.weights, r.weights(), r.rows());
            a.slots = plus(a.slots, r.slots(), r.rows());
            a.rows += r.rows();
            a.lossSum += r.lossSum();
            a.outputLossSums = Shares.Sum.plus(a.outputLossSums, r.outputLossSums());
            return a;
        }

        static Average merge(Average a, Average b) {
            a.weights = Shares.Sum.plus(a.weights, b.weights);
            a.slots = Shares.Sum.plus(a.slots, b.slots);
            a.rows += b.rows;
            a.lossSum += b.lossSum;
            a.outputLossSums = Shares.Sum.plus(a.outputLossSums, b.outputLossSums);
            return a;
        }

        private static double[] plus(double[] sum, float[] values, long weight) {
            if (values == null) {
                return sum;
            }
            double[] out = sum == null ? new double[values.length] : sum;
            for (int i = 0; i < values.length; i++) {
                out[i] += (double) values[i] * weight;
            }
            return out;
        }

        long rows() {
            return rows;
        }

        float[] weights() {
            return divided(weights);
        }

        float[] slots() {
            return divided(slots);
        }

        double loss() {
            return lossSum / rows;
        }

        double[] outputLosses() {
            double[] out = outputLossSums.clone();
            for (int k = 0; k < out.length; k++) {
                out[k] /= rows;
            }
            return out;
        }

        private float[] divided(double[] sum) {
            float[] out = new float[sum.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (sum[i] / rows);
            }
            return out;
        }
    }
}
