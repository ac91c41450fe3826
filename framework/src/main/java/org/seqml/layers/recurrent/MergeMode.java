package org.seqml.layers.recurrent;

import java.util.Locale;

/**
 * How {@link Bidirectional} combines its forward and backward outputs (Keras's {@code merge_mode}):
 * {@code CONCAT} joins them on the last axis, {@code SUM} adds, {@code MUL} multiplies, {@code AVE}
 * averages {@code (f + b) / 2}, {@code NONE} returns both as separate outputs.
 */
public enum MergeMode {
    CONCAT, SUM, MUL, AVE, NONE;

    /** The mode with this Keras name ("concat", "sum", "mul", "ave"; null or "none" for NONE). */
    public static MergeMode of(String name) {
        if (name == null) {
            return NONE;
        }
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
