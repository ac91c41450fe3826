package org.seqml.quantization;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.CallScope;
import org.seqml.data.Batch;
import org.seqml.data.Dataset;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.Layer;
import org.seqml.layers.Masking;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.RNN;
import org.seqml.models.Graph;
import org.seqml.models.Model;
import org.seqml.models.Node;
import org.seqml.models.SymbolicTensor;

/**
 * Post-training int8 quantization of a trained model, in place, as Keras 3's
 * {@code model.quantize("int8")}: each recurrent layer, alone or in a Bidirectional, gets int8
 * weights with a scale per gate column (see {@link RNN#quantize}: LSTM and GRU without reset_after
 * on oneDNN's int8 kernel; the default GRU, SimpleRNN and peephole LSTMs with int8 products and
 * float gate math); each Dense an int8 kernel with a scale per unit ({@link Dense#quantize}); each
 * Embedding an int8 table with a scale per row ({@link Embedding#quantize}). The model then
 * predicts and evaluates, and trains no more.
 *
 * <p>A recurrent layer needs the largest |x| its input will take (static quantization).
 * {@link #quantize(Model)} reads it from what feeds the layer, with no data: an Embedding's
 * largest |weight| (a lookup cannot exceed it), a recurrent layer's output (tanh: 1), through
 * Dropout and Masking; anything else needs ranges measured on representative data:
 * {@link #calibrate}, then {@link #quantize(Model, Calibration)}. A Dense layer whose range is not
 * known that way scales each call's inputs by their own largest |x| (dynamic quantization).
 * <pre>{@code
 * Quantizer.quantize(model);                                   // ranges from the layers before
 * Calibration c = Quantizer.calibrate(model, data, 20);        // or measured on 20 batches
 * Quantizer.quantize(model, c);
 * }</pre>
 */
public final class Quantizer {
    private Quantizer() {
    }

    /** The largest |input| each quantizable layer met, by layer name. */
    public record Calibration(Map<String, Double> inputRanges) {
        public Calibration {
            inputRanges = Map.copyOf(inputRanges);
        }
    }

    /** Quantizes every quantizable layer, with input ranges from the layers before; returns them. */
    public static List<Layer> quantize(Model model) {
        Map<String, Double> ranges = new LinkedHashMap<>();
        List<Layer> layers = quantizable(model);
        for (Node node : model.graph().nodes()) {
            if (layers.contains(node.layer())) {   // a shared layer: the widest of its inputs
                double range = node.layer() instanceof Dense ? rangeOrDynamic(node.inputs().get(0), node.layer())
                    : knownRange(node.inputs().get(0), node.layer());
                ranges.merge(node.layer().name(), range, (a, b) -> a == 0 || b == 0 ? 0 : Math.max(a, b));
            }
        }
        return quantize(model, new Calibration(ranges));
    }

    /**
     * Quantizes every quantizable layer with the calibrated input ranges (a Dense layer without one,
     * or with 0, is quantized dynamically); returns them.
     */
    public static List<Layer> quantize(Model model, Calibration calibration) {
        List<Layer> layers = quantizable(model);
        for (Layer layer : layers) {
            if (!(layer instanceof Dense) && !calibration.inputRanges().containsKey(layer.name())) {
                throw new IllegalArgumentException("Quantizer: the calibration has no range for " + layer.describe()
                    + ". Calibrate this model: Quantizer.calibrate(model, data, steps).");
            }
        }
        List<Layer> done = new ArrayList<>();
        List<Embedding> tables = new ArrayList<>();
        for (Node node : model.graph().nodes()) {
            if (node.layer() instanceof Embedding e && e.isBuilt() && !e.quantized() && !tables.contains(e)) {
                tables.add(e);
            }
        }
        for (Layer layer : layers) {
            if (layer instanceof Dense dense) {
                dense.quantize(calibration.inputRanges().getOrDefault(layer.name(), 0.0));
                done.add(layer);
                continue;
            }
            double range = Math.max(calibration.inputRanges().get(layer.name()), 1e-6);
            if (layer instanceof Bidirectional bi) {
                bi.quantize(range);
            } else {
                ((RNN<?>) layer).quantize(range);
            }
            done.add(layer);
        }
        // after the recurrent layers, whose ranges may have come from a table's largest weight
        for (Embedding e : tables) {
            e.quantize();
            done.add(e);
        }
        return done;
    }

    /** Measures each quantizable layer's input range over {@code steps} batches of {@code data} (all when fewer). */
    public static Calibration calibrate(Model model, Dataset data, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps + ".");
        }
        Graph graph = model.graph();
        List<Layer> layers = quantizable(model);
        Map<String, Double> ranges = new LinkedHashMap<>();
        Iterator<Batch> batches = data.batches(0);
        for (int s = 0; s < steps && batches.hasNext(); s++) {
            Batch batch = batches.next();
            try (CallScope scope = CallScope.open()) {
                Graph.Run run = graph.forward(batch.x(), false);
                for (Node node : graph.nodes()) {
                    if (layers.contains(node.layer())) {
                        INDArray x = graph.forwardOf(run, node.outputs().get(0)).inputs()[0];
                        ranges.merge(node.layer().name(), x.amaxNumber().doubleValue(), Math::max);
                    }
                }
            }
        }
        if (ranges.isEmpty() && !layers.isEmpty()) {
            throw new IllegalArgumentException("Quantizer.calibrate: the dataset gave no batch.");
        }
        return new Calibration(ranges);
    }

    /** Calibrates on the arrays (one per model input), in batches of {@code batchSize}. */
    public static Calibration calibrate(Model model, INDArray[] x, int batchSize) {
        return calibrate(model, Dataset.fromArrays(x, new INDArray[0], null).batch(batchSize), Integer.MAX_VALUE);
    }

    /** The recurrent layers (and Bidirectionals) with an int8 form, and Dense layers, not quantized yet, once each. */
    private static List<Layer> quantizable(Model model) {
        List<Layer> out = new ArrayList<>();
        for (Node node : model.graph().nodes()) {
            Layer layer = node.layer();
            boolean candidate = layer instanceof Bidirectional bi
                ? !bi.quantized() && canQuantize(bi.config().forwardLayer())
                : layer instanceof RNN<?> rnn ? !rnn.quantized() && canQuantize(rnn)
                : layer instanceof Dense dense && dense.isBuilt() && !dense.quantized();
            if (candidate && !out.contains(layer)) {
                out.add(layer);
            }
        }
        return out;
    }

    private static boolean canQuantize(RNN<?> rnn) {
        return rnn.int8Capable() && rnn.isBuilt();
    }

    /** The largest |x| the tensor can hold when the layers before say, else 0 (measured per call). */
    private static double rangeOrDynamic(SymbolicTensor t, Layer consumer) {
        try {
            return knownRange(t, consumer);
        } catch (IllegalArgumentException unknown) {
            return 0;
        }
    }

    /** The largest |x| the tensor can hold, from the layer that makes it. */
    private static double knownRange(SymbolicTensor t, Layer consumer) {
        Layer producer = t.node().layer();
        if (producer instanceof Embedding e) {
            return e.largestWeight();
        }
        if (producer instanceof RNN<?> rnn && rnn.boundedOutput()) {
            return 1;
        }
        if (producer instanceof Bidirectional bi && bi.config().forwardLayer().boundedOutput()) {
            return bi.config().mergeMode() == org.seqml.layers.recurrent.MergeMode.SUM ? 2 : 1;
        }
        if (producer instanceof Dropout || producer instanceof Masking) {
            return knownRange(t.node().inputs().get(0), consumer);
        }
        throw new IllegalArgumentException("Quantizer: the range of " + consumer.describe() + "'s input (made by "
            + producer.describe() + ") is not known without data. Measure it: Quantizer.quantize(model,"
            + " Quantizer.calibrate(model, data, steps)).");
    }
}
