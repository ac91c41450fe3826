package org.seqml.optimizers.schedules;

/**
 * A learning rate that changes with the optimizer's step count, Keras's
 * {@code LearningRateSchedule}: the optimizer asks for {@code rate(step)} before each update,
 * with {@code step} the number of updates made so far (0 at the first).
 *
 * <pre>{@code
 * Optimizer opt = new Adam(new CosineDecay(1e-3, 10_000).warmup(1e-2, 500));
 * }</pre>
 */
@FunctionalInterface
public interface LearningRateSchedule {
    double rate(long step);
}
