package org.seqml.training;

/**
 * Training steps that run elsewhere (a cluster's workers compute the gradients with
 * {@code Model.computeGradients}, the driver applies them with {@code Model.applyGradients})
 * inside {@code fit}'s own loop, {@link Trainer#fit(RemoteSteps, FitOptions)}: callbacks, progress
 * bar, History, stopping and validation on this machine, exactly as in {@code fit}.
 *
 * <pre>{@code
 * History h = model.trainer("fit").fit(new RemoteSteps() {
 *     public int steps() { return batches; }
 *     public StepLoss step(long epochSeed, int index) {
 *         Gradients g = ...;                                  // computed by the workers, summed
 *         double penalty = model.applyGradients(g.gradient());
 *         return new StepLoss(g.outputLosses(), g.loss() + penalty, rows);
 *     }
 * }, new FitOptions().epochs(3));
 * }</pre>
 */
public interface RemoteSteps {
    /** The steps of every epoch. */
    int steps();

    /**
     * Trains step {@code index} of the epoch whose example order follows {@code epochSeed};
     * returns its losses.
     */
    StepLoss step(long epochSeed, int index);

    /**
     * One remote step's losses: each output's on the step's batch, the weighted total with the
     * penalties, and the batch's samples (the running means weigh by them).
     */
    record StepLoss(double[] outputLosses, double total, long samples) {
    }
}
