package org.seqml.io;

import java.io.IOException;

/** A file that is not a whole, readable seqml model: truncated, corrupt, foreign or from a newer format. */
public final class ModelFileException extends IOException {
    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
