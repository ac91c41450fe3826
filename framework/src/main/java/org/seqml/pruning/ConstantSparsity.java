package org.seqml.pruning;

/**
 * The same sparsity at every pruning step, TF-MOT's {@code ConstantSparsity}: masks recomputed
 * every {@code frequency} steps in [beginStep, endStep] ({@code endStep} -1: until training ends).
 *
 * <pre>{@code
 * Pruning.pruneLowMagnitude(model, new ConstantSparsity(0.8, 0));   // 80 % zeros from the first step
 * }</pre>
 */
public record ConstantSparsity(double targetSparsity, long beginStep, long endStep, int frequency)
    implements PruningSchedule {

    public ConstantSparsity {
        PruningSchedule.checkSteps("ConstantSparsity", beginStep, endStep, frequency, true);
        PruningSchedule.checkSparsity("ConstantSparsity", "targetSparsity", targetSparsity);
    }

    /** TF-MOT's defaults: no end step, every 100 steps. */
    public ConstantSparsity(double targetSparsity, long beginStep) {
        this(targetSparsity, beginStep, -1, 100);
    }

    @Override
    public boolean shouldPrune(long step) {
        return PruningSchedule.inPruningStep(step, beginStep, endStep, frequency);
    }

    @Override
    public double sparsity(long step) {
        return targetSparsity;
    }
}
