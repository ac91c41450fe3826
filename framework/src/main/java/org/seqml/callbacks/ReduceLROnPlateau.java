package org.seqml.callbacks;

import java.util.Map;
import org.seqml.optimizers.Optimizer;

/**
 * Lowers the learning rate when a monitored quantity stops improving, Keras's
 * {@code ReduceLROnPlateau} (defaults: factor 0.1, patience 10, minDelta 1e-4, cooldown 0,
 * minLr 0):
 * <pre>
 * after patience epochs without improving by minDelta:  lr = max(lr * factor, minLr)
 * then wait cooldown epochs before counting again
 * </pre>
 * Logs the learning rate as "learning_rate".
 *
 * <pre>{@code
 * new ReduceLROnPlateau("val_loss").factor(0.5).patience(2).minLr(1e-5)
 * }</pre>
 */
public final class ReduceLROnPlateau extends Callback {
    private final Monitor monitor;
    private double factor = 0.1;
    private int patience = 10;
    private double minDelta = 1e-4;
    private int cooldown;
    private double minLr;

    private int wait;
    private int cooldownCounter;
    private double best;

    public ReduceLROnPlateau(String monitor) {
        this(monitor, "auto");
    }

    public ReduceLROnPlateau(String monitor, String mode) {
        this.monitor = new Monitor(monitor, Monitor.Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)));
    }

    public ReduceLROnPlateau factor(double value) {
        if (value >= 1.0) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be < 1, got " + value);
        }
        this.factor = value;
        return this;
    }

    public ReduceLROnPlateau patience(int value) {
        this.patience = value;
        return this;
    }

    public ReduceLROnPlateau minDelta(double value) {
        this.minDelta = value;
        return this;
    }

    public ReduceLROnPlateau cooldown(int value) {
        this.cooldown = value;
        return this;
    }

    public ReduceLROnPlateau minLr(double value) {
        this.minLr = value;
        return this;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        wait = 0;
        cooldownCounter = 0;
        best = monitor.worst();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        Optimizer optimizer = model().optimizer();
        logs.put("learning_rate", optimizer.learningRate());
        Double current = monitor.read(logs, "ReduceLROnPlateau");
        if (current == null) {
            return;
        }
        boolean cooling = cooldownCounter > 0;
        if (cooling) {
            cooldownCounter--;
            wait = 0;
        }
        if (monitor.improves(current, best, minDelta)) {
            best = current;
            wait = 0;
        } else if (!cooling) {
            wait++;
            if (wait >= patience) {
                double lr = optimizer.learningRate();
                if (lr > minLr) {
                    optimizer.setLearningRate(Math.max(lr * factor, minLr));
                    cooldownCounter = cooldown;
                    wait = 0;
                }
            }
        }
    }
}
