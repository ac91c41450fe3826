package org.seqml.callbacks;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes each epoch's logs as a CSV row, Keras's {@code CSVLogger}: a header
 * {@code epoch,<names in sorted order>} then one row per epoch. With {@code append(true)} an
 * existing file is continued (no second header), as when resuming training.
 *
 * <pre>{@code
 * new CSVLogger(Path.of("training.csv")).append(true)
 * }</pre>
 */
public final class CSVLogger extends Callback {
    private final Path file;
    private String separator = ",";
    private boolean append;
    private List<String> keys;
    private BufferedWriter writer;

    public CSVLogger(Path file) {
        this.file = file;
    }

    public CSVLogger separator(String value) {
        this.separator = value;
        return this;
    }

    public CSVLogger append(boolean value) {
        this.append = value;
        return this;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        try {
            boolean continuing = append && Files.exists(file) && Files.size(file) > 0;
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                continuing ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            keys = continuing ? headerOf(file) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot open " + file, e);
        }
    }

    private List<String> headerOf(Path f) throws IOException {
        String first = Files.readAllLines(f, StandardCharsets.UTF_8).get(0);
        List<String> names = new ArrayList<>(List.of(first.split(java.util.regex.Pattern.quote(separator))));
        names.remove(0);   // "epoch"
        return names;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        try {
            if (keys == null) {
                keys = new ArrayList<>(new TreeSet<>(logs.keySet()));
                writer.write("epoch" + separator + String.join(separator, keys));
                writer.newLine();
            }
            StringBuilder row = new StringBuilder(Integer.toString(epoch));
            for (String k : keys) {
                Double v = logs.get(k);
                row.append(separator).append(v == null ? "NA" : v.toString());
            }
            writer.write(row.toString());
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot write " + file, e);
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        try {
            if (writer != null) {
                writer.close();
                writer = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
