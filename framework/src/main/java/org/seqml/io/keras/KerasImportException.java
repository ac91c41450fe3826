package org.seqml.io.keras;

/** A Keras file seqml cannot turn into the same model: names the file and the layer or option. */
public class KerasImportException extends RuntimeException {
    public KerasImportException(String message) {
        super(message);
    }

    public KerasImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
