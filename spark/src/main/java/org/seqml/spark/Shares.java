package org.seqml.spark;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.data.Batch;
import org.seqml.data.Dataset;
import org.seqml.data.Example;
import org.seqml.models.Model;
import org.seqml.training.Gradients;
import org.seqml.training.LossDenominators;
import scala.Tuple2;

/**
 * The executors' side of a step: each partition's share of the global batch (its loss
 * denominators, or its gradient), and their sum.
 */
final class Shares {
    private Shares() {
    }

    /**
     * One partition's share: its gradient as the transport sends it (null when only counting),
     * loss terms and counts.
     */
    record Share(Object gradient, Transport transport, double loss, double[] outputLosses, double[] denominators,
                 long rows) implements Serializable {
    }

    /** What one step asks of every partition. */
    record Task(String id, Broadcast<byte[]> architecture, Broadcast<float[]> weights, Broadcast<int[]> positions,
                long from, long to, long callBase, Transport transport, double[] denominators, long rows)
        implements Serializable {

        Task(String id, Broadcast<byte[]> architecture, Broadcast<float[]> weights, Broadcast<int[]> positions,
             long from, long to, long callBase, Transport transport) {
            this(id, architecture, weights, positions, from, to, callBase, transport, null, 0);
        }

        /** The same step, dividing by the whole batch's denominators (null: each share's sum, for one pass). */
        Task with(double[] wholeDenominators, long wholeRows) {
            return new Task(id, architecture, weights, positions, from, to, callBase, transport, wholeDenominators,
                wholeRows);
        }

        /** The partitions' loss denominators. */
        Function2<Integer, Iterator<Tuple2<Example, Long>>, Iterator<Share>> counting() {
            return (partition, examples) -> run(examples, (model, batch) -> {
                LossDenominators d = model.lossDenominators(batch.x(), batch.y(), batch.sampleWeight());
                return new Share(null, transport, 0, new double[d.outputs().length], d.outputs(), d.rows());
            });
        }

        /** The partitions' gradients. */
        Function2<Integer, Iterator<Tuple2<Example, Long>>, Iterator<Share>> gradients() {
            return (partition, examples) -> run(examples, (model, batch) -> {
                model.setFlatWeights(Nd4j.createFromArray(weights.value()));
                // without the whole batch's counts: each output's sum (one output, no activity penalty)
                LossDenominators whole = denominators != null ? new LossDenominators(denominators, rows)
                    : new LossDenominators(new double[] {1.0}, 1);
                Gradients g = model.computeGradients(batch.x(), batch.y(), batch.sampleWeight(), whole,
                    callBase + partition);
                return new Share(transport.encode(g.gradient().toFloatVector()), transport, g.loss(),
                    g.outputLosses(), g.denominators().outputs(), g.denominators().rows());
            });
        }

        private Iterator<Share> run(Iterator<Tuple2<Example, Long>> examples,
                                    java.util.function.BiFunction<Model, Batch, Share> work) {
            org.seqml.backend.Backend.init();   // in an executor, CPU tuning before its examples load ND4J
            List<Example> mine = SparkTrainer.slice(examples, positions == null ? null : positions.value(), from, to);
            if (mine.isEmpty()) {
                return Collections.emptyIterator();
            }
            Batch batch = Dataset.fromIndexed(mine.size(), mine::get).paddedBatch(mine.size()).batches(0).next();
            Model model = Workers.borrow(id, architecture.value());
            try {
                return List.of(work.apply(model, batch)).iterator();
            } finally {
                Workers.giveBack(id, model);
            }
        }
    }

    /**
     * The shares added up, in double precision. What travels (a partition's sum to the driver) is
     * the gradient in its transport's form: one partition's share is exact in it; the sums of
     * several (deeper aggregation trees) round to it once more.
     */
    static final class Sum implements Serializable {
        private transient double[] gradient;
        private Transport transport = Transport.FLOAT32;
        private double loss;
        private double[] outputLosses;
        private double[] denominators;
        private long rows;

        static Sum add(Sum sum, Share share) {
            if (share.gradient() != null) {
                sum.transport = share.transport();
                if (sum.gradient == null) {
                    sum.gradient = new double[java.lang.reflect.Array.getLength(share.gradient())];
                }
                Transport.addInto(sum.gradient, share.gradient(), share.transport());
            }
            sum.loss += share.loss();
            sum.outputLosses = plus(sum.outputLosses, share.outputLosses());
            sum.denominators = plus(sum.denominators, share.denominators());
            sum.rows += share.rows();
            return sum;
        }

        static Sum merge(Sum a, Sum b) {
            if (b.gradient != null) {
                a.transport = b.transport;
                if (a.gradient == null) {
                    a.gradient = b.gradient;
                } else {
                    for (int i = 0; i < a.gradient.length; i++) {
                        a.gradient[i] += b.gradient[i];
                    }
                }
            }
            a.loss += b.loss;
            a.outputLosses = plus(a.outputLosses, b.outputLosses);
            a.denominators = plus(a.denominators, b.denominators);
            a.rows += b.rows;
            return a;
        }

        /** a + b elementwise into a (a copy of b when a is null; a when b is). */
        static double[] plus(double[] a, double[] b) {
            if (b == null) {
                return a;
            }
            if (a == null) {
                return b.clone();
            }
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
            return a;
        }

        private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
            out.defaultWriteObject();
            if (gradient == null) {
                out.writeObject(null);
                return;
            }
            float[] values = new float[gradient.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) gradient[i];
            }
            out.writeObject(transport.encode(values));
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            Object sent = in.readObject();
            if (sent != null) {
                gradient = new double[java.lang.reflect.Array.getLength(sent)];
                Transport.addInto(gradient, sent, transport);
            }
        }

        /** The summed gradient divided by {@code divide}, in float32. */
        float[] gradient(double divide) {
            if (gradient == null) {
                throw new IllegalStateException("no partition held an example of this step");
            }
            float[] out = new float[gradient.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (gradient[i] / divide);
            }
            return out;
        }

        double loss() {
            return loss;
        }

        double[] outputLosses() {
            return outputLosses.clone();
        }

        double[] denominators() {
            return denominators.clone();
        }
    }
}
