package org.seqml.callbacks;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops training as soon as a batch's loss is NaN or infinite, Keras's {@code TerminateOnNaN}.
 *
 * <pre>{@code
 * model.fit(x, y, new FitOptions().callbacks(new TerminateOnNaN()));
 * }</pre>
 */
public final class TerminateOnNaN extends Callback {
    private static final Logger LOG = LoggerFactory.getLogger(TerminateOnNaN.class);

    @Override
    public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
        Double loss = logs.get("loss");
        if (loss != null && (loss.isNaN() || loss.isInfinite())) {
            LOG.warn("Batch {}: invalid loss {}, terminating training", batch, loss);
            model().stopTraining();
        }
    }
}
