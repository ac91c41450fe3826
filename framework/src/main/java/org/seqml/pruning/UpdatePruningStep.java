package org.seqml.pruning;

import java.util.Map;
import org.seqml.callbacks.Callback;
import org.seqml.models.Model;

/**
 * Recomputes the pruning masks before each training batch whose step the schedule names, TF-MOT's
 * {@code UpdatePruningStep}. The step is the optimizer's count of steps taken, so a resumed
 * training ({@code initialEpoch}) continues the schedule where it stopped. Made by
 * {@link Pruning#callback()}.
 */
public final class UpdatePruningStep extends Callback {
    private final Pruning pruning;

    UpdatePruningStep(Pruning pruning) {
        this.pruning = pruning;
    }

    @Override
    public void setModel(Model model) {
        if (model != pruning.model()) {
            throw new IllegalArgumentException("UpdatePruningStep: this callback prunes model '" + pruning.model().name()
                + "' but was given to the fit of model '" + model.name() + "'; make one with"
                + " Pruning.pruneLowMagnitude(thisModel, schedule).callback().");
        }
        super.setModel(model);
    }

    @Override
    public void onTrainBatchBegin(int batch, Map<String, Double> logs) {
        pruning.update(model().optimizer().iterations());
    }
}
