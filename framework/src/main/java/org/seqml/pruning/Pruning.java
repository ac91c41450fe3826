package org.seqml.pruning;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.models.Model;

/**
 * Magnitude pruning during training, TF-MOT's {@code prune_low_magnitude}: the chosen layers'
 * kernels, recurrent kernels and embeddings get a mask that the {@link UpdatePruningStep}
 * callback recomputes at the schedule's steps, keeping the largest weights by magnitude:
 * <pre>
 * k         = max(1, round(size * (1 - sparsity(step))))
 * threshold = the k-th largest |w|
 * mask      = |w| >= threshold          (fixed between updates)
 * </pre>
 * Between updates the trainer masks each gradient and each weight after the optimizer step, so a
 * pruned weight stays exactly zero. Biases are not pruned. The masks are saved with the model, so
 * training resumes with them; a model file stores mostly-zero weights compactly.
 *
 * <pre>{@code
 * Pruning pruning = Pruning.pruneLowMagnitude(model, new PolynomialDecay(0.0, 0.8, 0, 1000));
 * model.fit(x, y, new FitOptions().epochs(4).callbacks(pruning.callback()));
 * Pruning.stripPruning(model);          // a plain model whose pruned weights are zeros
 * }</pre>
 */
public final class Pruning {
    /** The weights TF-MOT prunes in Dense, Embedding and the recurrent cells. */
    private static final Set<String> PRUNABLE = Set.of("kernel", "recurrent_kernel", "embeddings");

    private final Model model;
    private final Map<Parameter, PruningSchedule> schedules = new IdentityHashMap<>();
    private final Map<Parameter, String> names = new LinkedHashMap<>();

    private Pruning(Model model) {
        this.model = model;
    }

    /**
     * Marks the prunable weights of the named layers (every layer that has some when no name is
     * given) for pruning by {@code schedule}. Masks already set (a loaded model) are kept until the
     * schedule's next update.
     */
    public static Pruning pruneLowMagnitude(Model model, PruningSchedule schedule, String... layerNames) {
        if (model == null || schedule == null) {
            throw new IllegalArgumentException("Pruning.pruneLowMagnitude: give a model and a schedule, got "
                + model + " and " + schedule);
        }
        Pruning pruning = new Pruning(model);
        List<Layer> layers = new ArrayList<>();
        if (layerNames.length == 0) {
            layers.addAll(model.layers());
        } else {
            for (String name : layerNames) {
                layers.add(model.getLayer(name));
            }
        }
        for (Layer layer : layers) {
            boolean any = false;
            for (Parameter p : layer.weights()) {
                if (PRUNABLE.contains(p.name()) && !pruning.schedules.containsKey(p)) {
                    pruning.schedules.put(p, schedule);
                    pruning.names.put(p, layer.name() + "/" + p.name());
                    any = true;
                }
            }
            if (!any && layerNames.length > 0) {
                throw new IllegalArgumentException("Pruning.pruneLowMagnitude: " + layer.describe() + " has no weight"
                    + " to prune (kernels, recurrent kernels and embeddings are pruned; it has " + layer.weights()
                    + "). Leave it out of the names.");
            }
        }
        if (pruning.schedules.isEmpty()) {
            throw new IllegalArgumentException("Pruning.pruneLowMagnitude: model '" + model.name() + "' has no"
                + " kernel, recurrent kernel or embeddings to prune.");
        }
        return pruning;
    }

    /** The callback that recomputes the masks at the schedule's steps; pass it to {@code fit}. */
    public UpdatePruningStep callback() {
        return new UpdatePruningStep(this);
    }

    Model model() {
        return model;
    }

    /** Recomputes the masks whose schedule prunes at this step (the optimizer steps taken so far). */
    void update(long step) {
        for (Map.Entry<Parameter, PruningSchedule> e : schedules.entrySet()) {
            PruningSchedule schedule = e.getValue();
            if (schedule.shouldPrune(step)) {
                Parameter p = e.getKey();
                INDArray mask = magnitudeMask(p.value(), schedule.sparsity(step));
                p.setMask(mask);
                INDArray[] slots = model.optimizer().slots(p);
                for (int i = 0; slots != null && i < slots.length; i++) {
                    if (java.util.Arrays.equals(slots[i].shape(), mask.shape())) {
                        slots[i].muli(mask);   // with masked gradients, the optimizer then never moves it
                    }
                }
            }
        }
    }

    /** 1 for the round(size * (1 - sparsity)) largest |w| (at least one, ties kept), 0 elsewhere. */
    static INDArray magnitudeMask(INDArray w, double sparsity) {
        INDArray abs = Transforms.abs(w, true);
        float[] sorted = abs.dup('c').data().asFloat();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        int k = (int) Math.max(1, Math.round(n * (1 - sparsity)));
        float threshold = sorted[n - Math.min(k, n)];
        return abs.gte(threshold).castTo(w.dataType());
    }

    /** The fraction of zeros in each pruned weight, by "layer/weight". */
    public Map<String, Double> sparsities() {
        Map<String, Double> out = new LinkedHashMap<>();
        names.forEach((p, name) -> out.put(name, sparsity(p.value())));
        return out;
    }

    /** The fraction of exact zeros in an array. */
    public static double sparsity(INDArray a) {
        return a.length() == 0 ? 0 : 1 - a.neq(0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sumNumber()
            .doubleValue() / a.length();
    }

    /**
     * Removes every mask from the model's weights, TF-MOT's {@code strip_pruning}: the pruned weights
     * stay zero, and training may move them again. Returns the same model.
     */
    public static Model stripPruning(Model model) {
        for (Parameter p : model.graph().parameters()) {
            p.setMask(null);
        }
        return model;
    }
}
