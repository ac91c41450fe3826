package org.seqml.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.seqml.layers.Dense;
import org.seqml.layers.Layer;
import org.seqml.layers.recurrent.LSTM;

/** One table names every layer: native files, Keras import and Keras export all find it there. */
class LayerRegistryTest {
    @Test
    void everyConcreteLayerOfSeqmlIsInTheTable() throws Exception {
        Path classes = Path.of(Layer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path layers = classes.resolve("org/seqml");   // layers live outside layers/ too (text/TextVectorization)
        List<String> missing;
        try (Stream<Path> files = Files.walk(layers)) {
            missing = files.map(p -> classes.relativize(p).toString())
                .filter(n -> n.endsWith(".class") && !n.contains("$"))
                .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                .map(LayerRegistryTest::load)
                .filter(c -> Layer.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers()))
                .filter(c -> LayerRegistry.type(c.getSimpleName()) != c)
                .map(Class::getName)
                .toList();
        }
        assertEquals(List.of(), missing, "layers a model file could not hold");
    }

    @Test
    void aLayerIsFoundByItsNameAndAnUnknownNameIsNot() {
        assertEquals(LSTM.class, LayerRegistry.type("LSTM"));
        assertEquals("Dense", LayerRegistry.name(new Dense(3)));
        assertNull(LayerRegistry.type("Conv2D"));
        assertTrue(LayerRegistry.names().contains("Bidirectional"));
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, LayerRegistryTest.class.getClassLoader());   // no static init
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
}
