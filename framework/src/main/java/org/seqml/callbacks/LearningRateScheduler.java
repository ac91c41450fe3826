package org.seqml.callbacks;

import java.util.Map;

/**
 * Sets the learning rate at the start of each epoch from a function of the epoch (0-based) and
 * the current rate, Keras's {@code LearningRateScheduler}. Logs it as "learning_rate".
 *
 * <pre>{@code
 * new LearningRateScheduler((epoch, lr) -> epoch < 10 ? lr : lr * Math.exp(-0.1))
 * }</pre>
 */
public final class LearningRateScheduler extends Callback {

    /** The schedule: the new rate for an epoch given the current one. */
    @FunctionalInterface
    public interface Schedule {
        double rate(int epoch, double currentRate);
    }

    private final Schedule schedule;

    public LearningRateScheduler(Schedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        double lr = schedule.rate(epoch, model().optimizer().learningRate());
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("LearningRateScheduler: the schedule gave " + lr + " for epoch " + epoch
                + "; a learning rate must be a positive number.");
        }
        model().optimizer().setLearningRate(lr);
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        logs.put("learning_rate", model().optimizer().learningRate());
    }
}
