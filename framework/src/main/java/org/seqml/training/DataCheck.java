package org.seqml.training;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
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
            if (x[i] == null) {
                throw new IllegalArgumentException(who + ": the array is null. Pass one array per input.");
            }
            if (!expected.matches(x[i].shape())) {
                throw new IllegalArgumentException(who + ": expected data of shape " + expected + ", got "
                    + Arrays.toString(x[i].shape()) + ". " + fix(expected, x[i].shape()));
            }
            notEmpty(x[i], who);
            out[i] = prepare(x[i], who, " For text, put a TextVectorization first in the model and pass a"
                + " List<String> (model.predict(texts), model.fit(texts, labels, ...)), or pass the ids of"
                + " TextVectorization.apply(texts).");
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
            String who = "Labels for output '" + graph.outputs().get(i).node().layer().name() + "'";
            if (y[i] == null) {
                throw new IllegalArgumentException(who + ": the array is null. Pass one label array per output.");
            }
            notEmpty(y[i], who);
            out[i] = prepare(y[i], who, " Labels are numbers: class ids 0..n-1 (sparse losses), one-hot rows, or"
                + " 0/1 for binary ones; map class names to ids first.");
        }
        return out;
    }

    /** Sample weights: one finite, non-negative weight per sample (null for none). */
    static INDArray weights(INDArray w, long n, String who) {
        if (w == null) {
            return null;
        }
        sameSamples(n, new INDArray[] {w}, who);
        INDArray checked = prepare(w, who, " Pass a numeric array.");
        if (checked.minNumber().doubleValue() < 0) {
            throw new IllegalArgumentException(who + " has negative weights (first in sample " + first(checked, v -> v < 0)
                + "). Weights scale each sample's loss: give values >= 0.");
        }
        return checked;
    }

    /**
     * Throws for an array with no samples or a zero-length axis: a loop over it would compute
     * nothing and report it as a result.
     */
    private static void notEmpty(INDArray a, String who) {
        if (a.rank() == 0 || a.size(0) == 0) {
            throw new IllegalArgumentException(who + ": the data has no samples (shape " + Arrays.toString(a.shape())
                + "). Pass at least one sample.");
        }
        for (int d = 1; d < a.rank(); d++) {
            if (a.size(d) == 0) {
                throw new IllegalArgumentException(who + ": axis " + d + " of the data has length 0 (shape "
                    + Arrays.toString(a.shape()) + ")" + (d == 1 && a.rank() <= 3 ? ": sequences of 0 time steps" : "")
                    + ". Every sample needs at least one step and one feature: drop empty sequences, or pad them"
                    + " to length 1 with the mask value.");
            }
        }
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

    /** Checked (numbers, finite) and converted to floatX; {@code fix} says what to do with strings. */
    private static INDArray prepare(INDArray a, String who, String fix) {
        requireNumbers(a, who, fix);
        INDArray converted = a.dataType() == Backend.floatX() ? a : a.castTo(Backend.floatX());
        // a finite sum proves every value finite, in one reduction; the exact test runs only
        // when it is not (a NaN or an infinity, or finite values whose sum overflows)
        if (a.dataType().isFPType() && !Double.isFinite(converted.sumNumber().doubleValue())) {
            if (BooleanIndexing.or(converted, Conditions.isNan()) || BooleanIndexing.or(converted, Conditions.isInfinite())) {
                throw new IllegalArgumentException(who + " contains NaN or infinite values (first in sample "
                    + firstBadSample(converted) + "). Clean or impute the data first.");
            }
        }
        return converted.isView() || converted.ordering() != 'c' ? converted.dup('c') : converted;
    }

    /** Strings (ND4J's UTF8 arrays) cannot be cast to numbers; every numeric type is cast to floatX. */
    private static void requireNumbers(INDArray a, String who, String fix) {
        if (a.dataType() == DataType.UTF8 || a.dataType() == DataType.COMPRESSED || a.dataType() == DataType.UNKNOWN) {
            throw new IllegalArgumentException(who + ": the array holds " + a.dataType() + " values, not numbers." + fix);
        }
    }

    private static long firstBadSample(INDArray a) {
        return first(a, v -> !Double.isFinite(v));
    }

    /** The sample (index along axis 0) of the first value that {@code bad} accepts, in c order; -1 if none. */
    private static long first(INDArray a, java.util.function.DoublePredicate bad) {
        double[] values = a.dup('c').reshape(a.length()).toDoubleVector();   // the error path only
        long perSample = a.rank() == 0 ? 1 : a.length() / Math.max(1, a.size(0));
        for (int i = 0; i < values.length; i++) {
            if (bad.test(values[i])) {
                return i / perSample;
            }
        }
        return -1;
    }

    private static String fix(Shape expected, long[] actual) {
        if (actual.length == expected.rank() - 1 && expected.sample().matches(actual)) {
            return "This looks like one sample without its batch axis: add one, e.g. x.reshape(1, "
                + Arrays.toString(actual).replaceAll("[\\[\\]]", "") + ").";
        }
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
