package org.seqml.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
    private static final Set<String> KNOWN = Set.of("epochs", "dropout");

    @Test
    void givenValuesWinAndMissingOnesFallBack() {
        Args a = Args.parse(new String[] {"dropout=0.25"}, KNOWN);
        assertEquals(0.25, a.get("dropout", 0.0));
        assertEquals(7, a.get("epochs", 7));
    }

    @Test
    void anUnknownNameFailsNamingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Args.parse(new String[] {"epoch=3"}, KNOWN));
        assertTrue(e.getMessage().contains("epoch=3") && e.getMessage().contains("dropout"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongKindFailsNamingTheOption() {
        Args a = Args.parse(new String[] {"epochs=2.5"}, KNOWN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.get("epochs", 1));
        assertTrue(e.getMessage().contains("epochs") && e.getMessage().contains("2.5"), e.getMessage());
    }
}
