package org.seqml.pruning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.io.LayerCopy;
import org.seqml.layers.Activation;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.InputLayer;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.layers.RepeatVector;
import org.seqml.layers.TimeDistributed;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalPooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.MergeMode;
import org.seqml.layers.recurrent.RNN;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Node;
import org.seqml.models.SymbolicTensor;

/**
 * Structured pruning of a recurrent layer: whole units go, so the model that remains is smaller
 * and dense, and runs faster on ordinary kernels (unlike zeros in a weight). A unit's importance
 * is the squared norm of every weight it owns:
 * <pre>
 * score[u] = sum_g (||kernel[:, g*U + u]||² + ||recurrent[:, g*U + u]||²) + ||recurrent[u, :]||²
 * </pre>
 * (summed over both directions of a Bidirectional layer, which keeps the same units in each). The
 * layers that read the pruned features lose the matching kernel rows; layers between them that
 * only carry features (dropout, activations, pooling over time, concatenation on the last axis)
 * are copied as they are. Fine-tune the result: it is a new, uncompiled model.
 *
 * <pre>{@code
 * Model half = UnitPruning.pruneUnits(model, "bidirectional", 0.5);   // 32 -> 16 units per direction
 * half.compile(new Adam(1e-3), "binary_crossentropy", "accuracy");
 * half.fit(x, y, new FitOptions().epochs(1));
 * }</pre>
 */
public final class UnitPruning {
    private UnitPruning() {
    }

    /** A copy of {@code model} whose recurrent layer {@code layerName} keeps the most important {@code 1 - fraction} of its units. */
    public static Model pruneUnits(Model model, String layerName, double fraction) {
        Layer target = model.getLayer(layerName);
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("UnitPruning: fraction is the share of units to remove, in (0, 1); got "
                + fraction);
        }
        List<RNN<?>> cells = cells(target);
        int units = cells.get(0).units();
        int keep = (int) Math.max(1, Math.round(units * (1 - fraction)));
        int[] kept = mostImportant(target, units, keep);
        return new Rebuild(model, target, kept, units).run();
    }

    private static List<RNN<?>> cells(Layer target) {
        if (target instanceof RNN<?> rnn && rnn.units() > 0 && !rnn.options().stateful()) {
            return List.of(rnn);
        }
        if (target instanceof Bidirectional bi && !bi.config().forwardLayer().options().stateful()
            && bi.config().forwardLayer().units() == bi.config().backwardLayer().units()) {
            return List.of(bi.config().forwardLayer(), bi.config().backwardLayer());
        }
        throw new IllegalArgumentException("UnitPruning: " + target.describe() + " is not a recurrent layer (LSTM,"
            + " GRU, SimpleRNN or a Bidirectional one with equal directions, not stateful) whose units can go.");
    }

    /** The {@code keep} units with the largest scores, in their original order. */
    static int[] mostImportant(Layer target, int units, int keep) {
        double[] score = new double[units];
        List<Parameter> weights = target.weights();
        for (int i = 0; i < weights.size(); i++) {
            Parameter p = weights.get(i);
            if (p.name().equals("kernel") || p.name().equals("recurrent_kernel")) {
                INDArray w = p.value();
                int gates = (int) (w.size(1) / units);
                double[] columns = w.mul(w).sum(0).toDoubleVector();
                for (int g = 0; g < gates; g++) {
                    for (int u = 0; u < units; u++) {
                        score[u] += columns[g * units + u];
                    }
                }
                if (p.name().equals("recurrent_kernel")) {
                    double[] rows = w.mul(w).sum(1).toDoubleVector();
                    for (int u = 0; u < units; u++) {
                        score[u] += rows[u];
                    }
                }
            }
        }
        return IntStream.range(0, units).boxed().sorted((a, b) -> Double.compare(score[b], score[a])).limit(keep)
            .mapToInt(Integer::intValue).sorted().toArray();
    }

    /** One pass over the graph in execution order: fresh layers, then their weights, sliced where features went. */
    private static final class Rebuild {
        private final Model model;
        private final Layer target;
        private final int[] kept;
        private final int units;
        /** For each old tensor whose last axis lost features: the old feature indices that remain. */
        private final Map<SymbolicTensor, long[]> featureMaps = new HashMap<>();
        private final Map<SymbolicTensor, SymbolicTensor> tensors = new HashMap<>();
        private final Map<Layer, Layer> copies = new IdentityHashMap<>();
        private final Map<Layer, long[]> inputMaps = new IdentityHashMap<>();

        Rebuild(Model model, Layer target, int[] kept, int units) {
            this.model = model;
            this.target = target;
            this.kept = kept;
            this.units = units;
        }

        Model run() {
            List<SymbolicTensor> inputs = new ArrayList<>();
            for (SymbolicTensor in : model.graph().inputs()) {
                InputLayer layer = (InputLayer) in.node().layer();
                long[] dims = Arrays.copyOfRange(layer.shape().dims(), 1, layer.shape().rank());
                SymbolicTensor fresh = Input.of(layer.name(), dims);
                tensors.put(in, fresh);
                inputs.add(fresh);
            }
            for (Node node : model.graph().nodes()) {
                if (!(node.layer() instanceof InputLayer)) {
                    call(node);
                }
            }
            List<SymbolicTensor> outputs = new ArrayList<>();
            for (SymbolicTensor out : model.graph().outputs()) {
                if (featureMaps.containsKey(out)) {
                    throw new IllegalArgumentException("UnitPruning: the pruned units of " + target.describe()
                        + " reach the model's output directly; prune a layer that some Dense reads.");
                }
                outputs.add(tensors.get(out));
            }
            Model pruned = new Model(inputs, outputs, model.name());
            copies.forEach((old, copy) -> copy.setWeights(weightsFor(old)));
            return pruned;
        }

        private void call(Node node) {
            Layer layer = node.layer();
            List<long[]> maps = node.inputs().stream().map(featureMaps::get).toList();
            boolean pruned = maps.stream().anyMatch(m -> m != null);
            long[] inMap = maps.get(0);
            List<long[]> outMaps = new ArrayList<>();
            if (layer == target) {
                if (pruned) {
                    throw new IllegalArgumentException("UnitPruning: " + layer.describe() + " reads pruned features");
                }
                outMaps.addAll(targetOutputMaps(node));
            } else if (!pruned) {
                node.outputs().forEach(t -> outMaps.add(null));
            } else if (layer instanceof Dropout || layer instanceof Activation || layer instanceof GlobalPooling1D
                || layer instanceof RepeatVector) {
                outMaps.add(inMap);
            } else if (layer instanceof Concatenate c && isLastAxis(c.config().axis(), node.inputs().get(0).shape().rank())) {
                outMaps.add(concatenated(node, maps));
            } else if (readsWithKernel(layer) && maps.size() == 1) {
                if (inputMaps.containsKey(layer) && !Arrays.equals(inputMaps.get(layer), inMap)) {
                    throw new IllegalArgumentException("UnitPruning: shared " + layer.describe() + " reads differently"
                        + " pruned features in two places");
                }
                inputMaps.put(layer, inMap);
                node.outputs().forEach(t -> outMaps.add(null));
            } else {
                throw new IllegalArgumentException("UnitPruning: " + layer.describe() + " reads the pruned units of "
                    + target.describe() + " and cannot follow them (only Dense, recurrent layers and TimeDistributed"
                    + " Dense read them by kernel rows; dropout, activations, pooling over time and concatenation"
                    + " pass them on).");
            }
            Layer copy = copies.computeIfAbsent(layer, l -> l == target ? LayerCopy.withUnits(l, kept.length)
                : LayerCopy.of(l));
            SymbolicTensor[] ins = node.inputs().stream().map(tensors::get).toArray(SymbolicTensor[]::new);
            List<SymbolicTensor> outs = copy.applyAll(ins);
            for (int k = 0; k < outs.size(); k++) {
                tensors.put(node.outputs().get(k), outs.get(k));
                if (outMaps.get(k) != null) {
                    featureMaps.put(node.outputs().get(k), outMaps.get(k));
                }
            }
        }

        /** The kept features of each output of the pruned layer (sequence or last step, then states). */
        private List<long[]> targetOutputMaps(Node node) {
            long[] unitsKept = Arrays.stream(kept).asLongStream().toArray();
            List<long[]> out = new ArrayList<>();
            boolean concat = target instanceof Bidirectional bi && bi.config().mergeMode() == MergeMode.CONCAT;
            for (int k = 0; k < node.outputs().size(); k++) {
                out.add(k == 0 && concat ? java.util.stream.LongStream.concat(Arrays.stream(unitsKept),
                    Arrays.stream(unitsKept).map(u -> u + units)).toArray() : unitsKept);
            }
            return out;
        }

        private static boolean isLastAxis(int axis, int rank) {
            return axis == -1 || axis == rank - 1;
        }

        private long[] concatenated(Node node, List<long[]> maps) {
            List<Long> all = new ArrayList<>();
            long offset = 0;
            for (int i = 0; i < maps.size(); i++) {
                long width = node.inputs().get(i).shape().last();
                long base = offset;
                long[] map = maps.get(i) != null ? maps.get(i) : java.util.stream.LongStream.range(0, width).toArray();
                Arrays.stream(map).forEach(f -> all.add(base + f));
                offset += width;
            }
            return all.stream().mapToLong(Long::longValue).toArray();
        }

        private static boolean readsWithKernel(Layer layer) {
            return layer instanceof Dense || layer instanceof RNN<?> || layer instanceof Bidirectional
                || layer instanceof TimeDistributed t && t.config().layer() instanceof Dense;
        }

        /** The old layer's weights, sliced to the copy's shapes. */
        private List<INDArray> weightsFor(Layer old) {
            List<INDArray> out = new ArrayList<>();
            long[] inMap = inputMaps.get(old);
            long[] gateless = Arrays.stream(kept).asLongStream().toArray();
            for (Parameter p : old.weights()) {
                INDArray w = p.value();
                if (old == target) {
                    int gates = (int) (p.name().equals("bias") ? w.size(-1) / units
                        : p.name().contains("peephole") ? 1 : w.size(1) / units);
                    long[] columns = gateColumns(gates);
                    out.add(switch (p.name()) {
                        case "kernel" -> slice(w, null, columns);
                        case "recurrent_kernel" -> slice(w, gateless, columns);
                        case "bias" -> slice(w, null, columns);   // (G*U), or (2, 3U) for a reset-after GRU
                        default -> slice(w, null, gateless);   // peepholes (units,)
                    });
                } else if (inMap != null && p.name().equals("kernel")) {
                    out.add(slice(w, inMap, null));
                } else {
                    out.add(w.dup());
                }
            }
            return out;
        }

        /** For each gate g, the columns g * units + u of the kept units u. */
        private long[] gateColumns(int gates) {
            long[] columns = new long[gates * kept.length];
            for (int g = 0; g < gates; g++) {
                for (int i = 0; i < kept.length; i++) {
                    columns[g * kept.length + i] = (long) g * units + kept[i];
                }
            }
            return columns;
        }

        /** w restricted to these rows (axis 0 of a matrix) and columns (its last axis); null keeps all. */
        private static INDArray slice(INDArray w, long[] rows, long[] columns) {
            INDArray out = w;
            if (rows != null && w.rank() == 2) {
                out = out.get(NDArrayIndex.indices(rows), NDArrayIndex.all());
            }
            if (columns != null) {
                INDArrayIndex[] index = new INDArrayIndex[out.rank()];
                Arrays.fill(index, NDArrayIndex.all());
                index[out.rank() - 1] = NDArrayIndex.indices(columns);
                out = out.get(index);
            }
            return out.dup('c');
        }
    }
}
