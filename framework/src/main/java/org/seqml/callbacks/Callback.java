package org.seqml.callbacks;

import java.util.Map;
import org.seqml.models.Model;

/**
 * Hooks into the training loop, Keras's {@code Callback}. Every hook does nothing by default;
 * override the ones you need. {@code logs} map metric names ("loss", "accuracy", "val_loss", ...)
 * to their values. To stop training, call {@code model().stopTraining()}: the loop ends after the
 * current batch; never throw to stop.
 *
 * <pre>{@code
 * model.fit(x, y, new FitOptions().callbacks(new Callback() {
 *     public void onEpochEnd(int epoch, Map<String, Double> logs) { System.out.println(logs); }
 * }));
 * }</pre>
 */
public abstract class Callback {
    private Model model;

    /** Called by the trainer before training starts. */
    public void setModel(Model model) {
        this.model = model;
    }

    public Model model() {
        return model;
    }

    /** The trainer's plan: epochs and steps per epoch (steps is 0 when not known). */
    public void setParams(int epochs, int steps, int verbose) {
    }

    public void onTrainBegin(Map<String, Double> logs) {
    }

    public void onTrainEnd(Map<String, Double> logs) {
    }

    public void onEpochBegin(int epoch, Map<String, Double> logs) {
    }

    public void onEpochEnd(int epoch, Map<String, Double> logs) {
    }

    public void onTrainBatchBegin(int batch, Map<String, Double> logs) {
    }

    public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
    }

    /** Before the validation pass at the end of an epoch of {@code fit} (as Keras calls it from fit). */
    public void onTestBegin(Map<String, Double> logs) {
    }

    /** After the validation pass; {@code logs} hold its loss and metrics, without the "val_" prefix. */
    public void onTestEnd(Map<String, Double> logs) {
    }

    public void onTestBatchBegin(int batch, Map<String, Double> logs) {
    }

    /** After each validation batch, with the running loss and metrics of the pass so far. */
    public void onTestBatchEnd(int batch, Map<String, Double> logs) {
    }
}
