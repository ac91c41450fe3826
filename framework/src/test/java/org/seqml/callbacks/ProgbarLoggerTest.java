package org.seqml.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Dense;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.training.FitOptions;

class ProgbarLoggerTest {

    @Test
    void drawsTheBarAsKerasDoes() {
        ProgbarLogger p = new ProgbarLogger(System.out);
        p.setParams(1, 50, 1);
        assertEquals("12/50 [======>.......................]", p.bar(12));
        assertEquals("50/50 [==============================]", p.bar(50));
        assertEquals(" 0/50 [..............................]", p.bar(0));
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss", 0.41234);
        logs.put("accuracy", 0.81);
        logs.put("tiny", 0.00012345);
        assertEquals(" - loss: 0.4123 - accuracy: 0.8100 - tiny: 1.2345e-04", ProgbarLogger.values(logs));
    }

    @Test
    void writesOneLinePerEpochWhenNotATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Sequential model = new Sequential(Input.of(3), new Dense(1));
        model.compile("sgd", "mse");
        model.fit(Nd4j.rand(DataType.FLOAT, 40, 3), Nd4j.rand(DataType.FLOAT, 40, 1),
            new FitOptions().epochs(3).batchSize(10).verbose(2).output(new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[2].matches("Epoch 3/3 - 4/4 - \\d+s \\d+ms/step - loss: .*"), lines[2]);
    }

    @Test
    void redrawsTheBarOnATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Sequential model = new Sequential(Input.of(3), new Dense(1));
        model.compile("sgd", "mse");
        model.fit(Nd4j.rand(DataType.FLOAT, 40, 3), Nd4j.rand(DataType.FLOAT, 40, 1),
            new FitOptions().epochs(1).batchSize(10).verbose(1).output(new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("Epoch 1/1\n"), s);
        assertTrue(s.contains("\r1/4 [======>.......................] - ETA: "), s);
        assertTrue(s.contains("\r4/4 [==============================] - "), s);
    }

    @Test
    void aShorterRedrawBlanksWhatTheLongerLineBeforeItLeft() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgbarLogger p = new ProgbarLogger(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        p.setParams(1, 2, 1);
        p.onEpochBegin(0, java.util.Map.of());
        p.onTrainBatchEnd(0, java.util.Map.of("loss", 12.5));
        p.onTrainBatchEnd(1, java.util.Map.of("loss", 1.5));
        String[] draws = bytes.toString(StandardCharsets.UTF_8).split("\r");
        String longer = draws[draws.length - 2];
        String shorter = draws[draws.length - 1];
        assertTrue(shorter.length() >= longer.length(), "the redraw covers the longer line:\n" + longer + "\n" + shorter);
        assertTrue(shorter.stripTrailing().endsWith("loss: 1.5000"), shorter);
    }
}
