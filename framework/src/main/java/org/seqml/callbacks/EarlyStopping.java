package org.seqml.callbacks;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stops training when a monitored quantity has stopped improving, Keras's {@code EarlyStopping}:
 * <pre>
 * improvement:  current beats best by more than minDelta (and beats baseline, if given)
 * stop:         patience epochs in a row without improvement (counting from startFromEpoch)
 * </pre>
 * With {@code restoreBestWeights(true)} the model gets back the weights of its best epoch when
 * training stops, early or at the end. Training stops by asking the model, never by throwing.
 *
 * <pre>{@code
 * model.fit(x, y, new FitOptions().epochs(100).validationSplit(0.1)
 *     .callbacks(new EarlyStopping("val_loss").patience(3).restoreBestWeights(true)));
 * }</pre>
 */
public final class EarlyStopping extends Callback {
    private final Monitor monitor;
    private double minDelta;
    private int patience;
    private Double baseline;
    private boolean restoreBestWeights;
    private int startFromEpoch;

    private int wait;
    private double best;
    private int bestEpoch;
    private int stoppedEpoch;
    private List<INDArray> bestWeights;

    /** Keras's defaults: watches "val_loss", stops after the first epoch without improvement (patience 0). */
    public EarlyStopping() {
        this("val_loss");
    }

    /** Watches {@code monitor} (e.g. "val_loss"), direction chosen as Keras's mode "auto". */
    public EarlyStopping(String monitor) {
        this(monitor, "auto");
    }

    /** Watches {@code monitor}; {@code mode} is "min", "max" or "auto". */
    public EarlyStopping(String monitor, String mode) {
        this.monitor = new Monitor(monitor, Monitor.Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)));
    }

    public EarlyStopping minDelta(double value) {
        this.minDelta = Math.abs(value);
        return this;
    }

    public EarlyStopping patience(int value) {
        this.patience = value;
        return this;
    }

    /** A value the monitored quantity must beat for an epoch to count as an improvement. */
    public EarlyStopping baseline(double value) {
        this.baseline = value;
        return this;
    }

    public EarlyStopping restoreBestWeights(boolean value) {
        this.restoreBestWeights = value;
        return this;
    }

    /** Epochs of warm-up before improvement is judged. */
    public EarlyStopping startFromEpoch(int value) {
        this.startFromEpoch = value;
        return this;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        wait = 0;
        stoppedEpoch = 0;
        best = monitor.worst();
        bestEpoch = 0;
        bestWeights = null;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        Double current = monitor.read(logs, "EarlyStopping");
        if (current == null || epoch < startFromEpoch) {
            return;
        }
        if (restoreBestWeights && bestWeights == null) {
            bestWeights = model().getWeights();   // until something improves, the current weights are the best
        }
        wait++;
        if (monitor.improves(current, best, minDelta)) {
            best = current;
            bestEpoch = epoch;
            if (restoreBestWeights) {
                bestWeights = model().getWeights();
            }
            if (baseline == null || monitor.improves(current, baseline, minDelta)) {
                wait = 0;
                return;
            }
        }
        if (wait >= patience && epoch > 0) {
            stoppedEpoch = epoch;
            model().stopTraining();
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        if (restoreBestWeights && bestWeights != null) {
            model().setWeights(bestWeights);
        }
    }

    /** The epoch (0-based) training stopped at, or 0 if it ran to the end. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The epoch (0-based) with the best monitored value. */
    public int bestEpoch() {
        return bestEpoch;
    }

    public double best() {
        return best;
    }
}
