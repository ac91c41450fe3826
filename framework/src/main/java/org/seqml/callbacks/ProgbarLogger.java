package org.seqml.callbacks;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * The console progress of {@code fit} in Keras's form. On a terminal (verbose 1) one line per
 * epoch is redrawn as batches finish:
 * <pre>
 * Epoch 1/10
 * 12/50 [======&gt;.......................] - ETA: 3s - loss: 0.4123 - accuracy: 0.8100
 * </pre>
 * ending as {@code 50/50 [==============================] - 2s 40ms/step - loss: ... - val_loss: ...}.
 * When the output is not a terminal (verbose 2: logs, CI) it writes one line per epoch instead,
 * so files do not fill with redraws. Added by {@code fit} unless verbose is 0.
 */
public final class ProgbarLogger extends Callback {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private int epochs;
    private int steps;
    private int verbose;
    private long epochStart;
    private int seen;
    private int lastWidth;   // of the line drawn last, so that a shorter redraw blanks its tail

    public ProgbarLogger(PrintStream out) {
        this.out = out;
    }

    @Override
    public void setParams(int epochs, int steps, int verbose) {
        this.epochs = epochs;
        this.steps = steps;
        this.verbose = verbose;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        epochStart = System.nanoTime();
        seen = 0;
        if (verbose == 1) {
            out.println("Epoch " + (epoch + 1) + "/" + epochs);
        }
    }

    @Override
    public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
        seen = batch + 1;
        if (verbose == 1) {
            double elapsed = seconds();
            String eta = steps > 0 ? " - ETA: " + Math.round(elapsed / seen * (steps - seen)) + "s" : "";
            out.print("\r" + padded(bar(seen) + eta + values(logs)));
            out.flush();
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        double elapsed = seconds();
        String timing = " - " + Math.round(elapsed) + "s " + Math.round(1000 * elapsed / Math.max(seen, 1)) + "ms/step";
        if (verbose == 1) {
            out.println("\r" + padded(bar(seen) + timing + values(logs)));
            lastWidth = 0;
        } else if (verbose == 2) {
            out.println("Epoch " + (epoch + 1) + "/" + epochs + " - " + seen + "/" + (steps > 0 ? steps : seen) + timing
                + values(logs));
        }
        out.flush();
    }

    /** The line, with spaces over what a longer line before it left on the screen (as Keras's Progbar). */
    private String padded(String line) {
        String out = line.length() < lastWidth ? line + " ".repeat(lastWidth - line.length()) : line;
        lastWidth = line.length();
        return out;
    }

    private double seconds() {
        return (System.nanoTime() - epochStart) / 1e9;
    }

    /** "12/50 [=====>........................]" as Keras draws it. */
    String bar(int current) {
        if (steps <= 0) {
            return current + "/Unknown";
        }
        int digits = Integer.toString(steps).length();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%" + digits + "d/%d [", current, steps));
        int filled = steps == 0 ? WIDTH : (int) ((long) WIDTH * current / steps);
        if (filled > 0) {
            sb.append("=".repeat(filled - 1)).append(current < steps ? '>' : '=');
        }
        sb.append(".".repeat(WIDTH - filled)).append(']');
        return sb.toString();
    }

    /** " - loss: 0.4123 - accuracy: 0.8100", small values in scientific form as Keras does. */
    static String values(Map<String, Double> logs) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            double v = e.getValue();
            String f = Math.abs(v) > 1e-3 || v == 0 ? "%.4f" : "%.4e";
            sb.append(" - ").append(e.getKey()).append(": ").append(String.format(Locale.ROOT, f, v));
        }
        return sb.toString();
    }
}
