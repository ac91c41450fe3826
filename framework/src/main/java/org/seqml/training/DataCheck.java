package org.seqml.training;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.seqml.Shape;
import org.seqml.backend.Backend;
import org.seqml.models.Graph;
import org.seqml.models.Node;
import org.seqml.models.SymbolicTensor;

/**
 * Checks data once before a loop runs, so a mistake is reported up front with the input's name,
 * the layer that reads it, the expected and the actual shape, rather than deep inside a layer:
 * the number of arrays, their shapes, the sample counts, NaN or infinite values. Also brings
 * every array to floatX and C order, once, so batches are cheap to cut.
 */
final class DataCheck {
    private DataCheck() {
    }

    /** The model's input arrays, checked and converted. */
    static INDArray[] inputs(Graph graph, INDArray[] x) {
        if (x.length != graph.inputs().size()) {
            throw new IllegalArgumentException("The model has " + graph.inputs().size() + " input(s) "
                + names(graph) + " but was given " + x.length + " array(s). Pass one array per input, in order.");
        }
        INDArray[] out = new INDArray[x.length];
        for (int i = 0; i < x.length; i++) {
            SymbolicTensor input = graph.inputs().get(i);
            String who = "Input '" + input.node().layer().name() + "'" + reader(graph, input);
            Shape expected = input.shape();
            if (!expected.matches(x[i].shape())) {
                throw new IllegalArgumentException(who + ": expected data of shape " + expected + ", got "
                    + Arrays.toString(x[i].shape()) + ". " + fix(expected, x[i].shape()));
            }
            out[i] = prepare(x[i], who);
        }
        return out;
    }

    /** The label arrays, one per output, checked for count and finiteness. */
    static INDArray[] labels(Graph graph, INDArray[] y) {
        if (y.length != graph.outputs().size()) {
            throw new IllegalArgumentException("The model has " + graph.outputs().size() + " output(s) but was given "
                + y.length + " label array(s). Pass one label array per output, in order.");
        }
        INDArray[] out = new INDArray[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = prepare(y[i], "Labels for output '" + graph.outputs().get(i).node().layer().name() + "'");
        }
        return out;
    }

    /** Throws unless every array has {@code n} samples. */
    static void sameSamples(long n, INDArray[] arrays, String what) {
        for (INDArray a : arrays) {
            if (a != null && a.size(0) != n) {
                throw new IllegalArgumentException(what + " has " + a.size(0) + " samples but the inputs have " + n
                    + ". Every array needs one row per sample.");
            }
        }
    }

    private static INDArray prepare(INDArray a, String who) {
        INDArray converted = a.dataType() == Backend.floatX() ? a : a.castTo(Backend.floatX());
        if (a.dataType().isFPType()) {
            if (BooleanIndexing.or(converted, Conditions.isNan()) || BooleanIndexing.or(converted, Conditions.isInfinite())) {
                throw new IllegalArgumentException(who + " contains NaN or infinite values (first in sample "
                    + firstBadSample(converted) + "). Clean or impute the data first.");
            }
        }
        return converted.isView() || converted.ordering() != 'c' ? converted.dup('c') : converted;
    }

    private static long firstBadSample(INDArray a) {
        INDArray rows = a.rank() == 1 ? a.reshape(a.length(), 1) : a.reshape('c', a.size(0), a.length() / a.size(0));
        return org.seqml.backend.Ops.nonFiniteCounts(rows).gt(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT32).argMax().getLong(0);
    }

    private static String fix(Shape expected, long[] actual) {
        if (expected.rank() != actual.length) {
            if (expected.rank() == 3 && actual.length == 2) {
                return "The model reads sequences (batch, time, features): add a feature axis, reshape the data, or"
                    + " start the model with an Embedding for token ids.";
            }
            return "The rank differs: reshape the data to rank " + expected.rank() + ".";
        }
        return "Known dimensions (not None) must match: reshape the data or build the model for this shape.";
    }

    private static String reader(Graph graph, SymbolicTensor input) {
        for (Node n : graph.nodes()) {
            if (n.inputs().contains(input)) {
                return " (read by " + n.layer().describe() + ")";
            }
        }
        return "";
    }

    private static String names(Graph graph) {
        return graph.inputs().stream().map(t -> t.node().layer().name()).toList().toString();
    }
}
