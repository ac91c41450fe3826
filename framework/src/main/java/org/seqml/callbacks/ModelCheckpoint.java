package org.seqml.callbacks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Saves the model after every epoch (or only when it improves), Keras's {@code ModelCheckpoint}.
 * The file name is a template in Python's format syntax, filled from the epoch (1-based, as Keras
 * names files) and the logs: {@code "ckpt-{epoch:02d}-{val_loss:.2f}.seqml"} becomes
 * {@code ckpt-03-0.41.seqml}. Saves are atomic.
 *
 * <pre>{@code
 * new ModelCheckpoint("best.seqml").monitor("val_accuracy").saveBestOnly(true)
 * new ModelCheckpoint("w-{epoch:03d}.weights").saveWeightsOnly(true)
 * }</pre>
 */
public final class ModelCheckpoint extends Callback {
    private static final Pattern FIELD = Pattern.compile("\\{(\\w+)(?::([^}]*))?}");

    private final String template;
    private Monitor monitor = new Monitor("val_loss", Monitor.Mode.AUTO);
    private boolean saveBestOnly;
    private boolean saveWeightsOnly;
    private double best;
    private int saveFreq;
    private long batches;
    private int epoch;

    public ModelCheckpoint(String filepathTemplate) {
        this.template = filepathTemplate;
    }

    /** The quantity for saveBestOnly (default "val_loss"), direction as Keras's mode "auto". */
    public ModelCheckpoint monitor(String name) {
        this.monitor = new Monitor(name, Monitor.Mode.AUTO);
        return this;
    }

    public ModelCheckpoint monitor(String name, String mode) {
        this.monitor = new Monitor(name, Monitor.Mode.valueOf(mode.toUpperCase(Locale.ROOT)));
        return this;
    }

    public ModelCheckpoint saveBestOnly(boolean value) {
        this.saveBestOnly = value;
        return this;
    }

    public ModelCheckpoint saveWeightsOnly(boolean value) {
        this.saveWeightsOnly = value;
        return this;
    }

    /**
     * Saves every {@code batches} training steps instead of every epoch (Keras's integer
     * {@code save_freq}), counting across epochs; the file records the steps done in the epoch,
     * so {@code Model.load} then {@code fit(..., initialEpoch(model.epochsTrained()))} resumes
     * exactly where it was saved. The template's {@code {epoch}} is the epoch under way.
     */
    public ModelCheckpoint saveFreq(int batches) {
        if (batches < 1) {
            throw new IllegalArgumentException("ModelCheckpoint: saveFreq must be at least 1 batch, got " + batches + ".");
        }
        this.saveFreq = batches;
        return this;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        best = monitor.worst();
        batches = 0;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        this.epoch = epoch;
    }

    @Override
    public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
        if (saveFreq > 0 && ++batches % saveFreq == 0) {
            save(epoch, logs);
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (saveFreq == 0) {
            save(epoch, logs);
        }
    }

    private void save(int epoch, Map<String, Double> logs) {
        if (saveBestOnly) {
            Double current = monitor.read(logs, "ModelCheckpoint");
            if (current == null || !monitor.improves(current, best, 0)) {
                return;
            }
            best = current;
        }
        Path file = Path.of(fileName(template, epoch, logs));
        try {
            if (saveWeightsOnly) {
                model().saveWeights(file);
            } else {
                model().save(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("ModelCheckpoint: cannot save " + file, e);
        }
    }

    /** Fills {@code {name}} and {@code {name:spec}} fields (spec as in Python: 02d, .2f, .4e). */
    static String fileName(String template, int epoch, Map<String, Double> logs) {
        Matcher m = FIELD.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String spec = m.group(2);
            Object value;
            if (key.equals("epoch")) {
                value = epoch + 1;
            } else if (logs.containsKey(key)) {
                value = logs.get(key);
            } else {
                throw new IllegalArgumentException("ModelCheckpoint: the file name template uses '" + key
                    + "', which is not in the logs " + logs.keySet() + ".");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(format(value, spec)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String format(Object value, String spec) {
        if (spec == null || spec.isEmpty()) {
            return value.toString();
        }
        char kind = spec.charAt(spec.length() - 1);
        String javaSpec = "%" + spec;
        if (kind == 'd') {
            return String.format(Locale.ROOT, javaSpec, ((Number) value).longValue());
        }
        return String.format(Locale.ROOT, javaSpec, ((Number) value).doubleValue());
    }
}
