package org.seqml.pruning;

/**
 * A sparsity that rises fast and then levels off at {@code finalSparsity}, TF-MOT's
 * {@code PolynomialDecay} (Zhu and Gupta, arXiv:1710.01878):
 * <pre>
 * p        = min(1, max(0, (step - beginStep) / (endStep - beginStep)))
 * sparsity = finalSparsity + (initialSparsity - finalSparsity) * (1 - p)^power
 * </pre>
 * Masks are recomputed every {@code frequency} steps in [beginStep, endStep].
 *
 * <pre>{@code
 * new PolynomialDecay(0.0, 0.8, 0, 1000)                 // power 3, every 100 steps
 * new PolynomialDecay(0.5, 0.9, 200, 2000, 3, 50)
 * }</pre>
 */
public record PolynomialDecay(double initialSparsity, double finalSparsity, long beginStep, long endStep,
                              double power, int frequency) implements PruningSchedule {

    public PolynomialDecay {
        PruningSchedule.checkSteps("PolynomialDecay", beginStep, endStep, frequency, false);
        PruningSchedule.checkSparsity("PolynomialDecay", "initialSparsity", initialSparsity);
        PruningSchedule.checkSparsity("PolynomialDecay", "finalSparsity", finalSparsity);
    }

    /** TF-MOT's defaults: power 3, every 100 steps. */
    public PolynomialDecay(double initialSparsity, double finalSparsity, long beginStep, long endStep) {
        this(initialSparsity, finalSparsity, beginStep, endStep, 3, 100);
    }

    @Override
    public boolean shouldPrune(long step) {
        return PruningSchedule.inPruningStep(step, beginStep, endStep, frequency);
    }

    @Override
    public double sparsity(long step) {
        // float32 as TF-MOT computes it, so that the masks' sizes agree with its own at every step
        float span = endStep - beginStep;
        float p = span == 0 ? 1f : Math.min(1f, Math.max(0f, (float) (step - beginStep) / span));
        return (float) ((initialSparsity - finalSparsity) * Math.pow(1 - p, power) + finalSparsity);
    }
}
