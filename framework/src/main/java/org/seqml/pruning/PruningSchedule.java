package org.seqml.pruning;

/**
 * When to prune and to what sparsity, TF-MOT's {@code PruningSchedule}: at a training step
 * (counted from 0 over the whole training, as the optimizer's iterations), whether the masks are
 * recomputed, and the fraction of each pruned weight that is then zero.
 * <pre>
 * shouldPrune(step) = beginStep <= step && (endStep == -1 || step <= endStep)
 *                     && (step - beginStep) % frequency == 0
 * </pre>
 */
public interface PruningSchedule {

    /** Whether the masks are recomputed at this step. */
    boolean shouldPrune(long step);

    /** The target sparsity at this step, in [0, 1). */
    double sparsity(long step);

    /** TF-MOT's rule: in [beginStep, endStep] (endStep -1: forever), every frequency steps from beginStep. */
    static boolean inPruningStep(long step, long beginStep, long endStep, int frequency) {
        boolean inRange = step >= beginStep && (endStep < 0 || step <= endStep);
        return inRange && Math.floorMod(step - beginStep, (long) frequency) == 0;
    }

    /** TF-MOT's checks: beginStep >= 0, endStep -1 (where allowed) or >= beginStep, frequency > 0. */
    static void checkSteps(String schedule, long beginStep, long endStep, int frequency, boolean endless) {
        if (beginStep < 0) {
            throw new IllegalArgumentException(schedule + ": beginStep must be >= 0, got " + beginStep);
        }
        if (endStep == -1 && !endless) {
            throw new IllegalArgumentException(schedule + ": needs an endStep to decay the sparsity towards (-1 is"
                + " only for ConstantSparsity)");
        }
        if (endStep != -1 && endStep < beginStep) {
            throw new IllegalArgumentException(schedule + ": endStep must be -1 or >= beginStep (" + beginStep
                + "), got " + endStep);
        }
        if (frequency <= 0) {
            throw new IllegalArgumentException(schedule + ": frequency must be > 0, got " + frequency);
        }
    }

    /** A sparsity in [0, 1). */
    static void checkSparsity(String schedule, String name, double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException(schedule + ": " + name + " must be in [0, 1), got " + sparsity);
        }
    }
}
