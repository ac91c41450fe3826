package org.seqml.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Saves and restores seqml's small value objects (optimizers' hyperparameters, schedules, losses,
 * regularizers, constraints) field by field: {@code {"class": ..., "fields": {...}}}. Only
 * classes of seqml are read back, so a file cannot make the loader build anything else; state
 * that is not a value (arrays, maps of slots) is saved elsewhere.
 */
final class Beans {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Beans() {
    }

    static ObjectNode encode(Object bean) {
        ObjectNode node = JSON.objectNode();
        node.put("class", bean.getClass().getName());
        ObjectNode fields = node.putObject("fields");
        for (Field f : fields(bean.getClass())) {
            try {
                f.setAccessible(true);
                Object v = f.get(bean);
                fields.set(f.getName(), value(v));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return node;
    }

    /** null, numbers, booleans, strings and enums as JSON; null for anything else. */
    static JsonNode plain(Object v) {
        if (v == null) {
            return JSON.nullNode();
        }
        if (v instanceof Number || v instanceof Boolean || v instanceof String) {
            return JSON.pojoNode(v);
        }
        if (v instanceof Enum<?> e && !(v instanceof org.seqml.activations.Activation)) {
            return JSON.textNode(e.name());
        }
        return null;
    }

    private static JsonNode value(Object v) {
        JsonNode simple = plain(v);
        if (simple != null) {
            return simple;
        }
        if (v instanceof long[] a) {
            var arr = JSON.arrayNode();
            for (long x : a) {
                arr.add(x);
            }
            return arr;
        }
        if (v instanceof double[] a) {
            var arr = JSON.arrayNode();
            for (double x : a) {
                arr.add(x);
            }
            return arr;
        }
        if (v.getClass().getName().startsWith("org.seqml.")) {
            return encode(v);
        }
        throw new IllegalArgumentException("cannot save a " + v.getClass().getName()
            + " (only seqml's own objects and plain values are saved)");
    }

    static Object decode(JsonNode node) throws ModelFileException {
        String name = node.path("class").asText();
        if (!name.startsWith("org.seqml.")) {
            throw new ModelFileException("refuses to build class '" + name + "': not part of seqml");
        }
        try {
            Class<?> cls = Class.forName(name);
            Object bean = instantiate(cls);
            JsonNode fields = node.path("fields");
            for (Field f : fields(cls)) {
                if (fields.has(f.getName())) {
                    f.setAccessible(true);
                    f.set(bean, read(fields.get(f.getName()), f.getType()));
                }
            }
            return bean;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ModelFileException("cannot restore " + name + ": " + e.getMessage());
        }
    }

    private static Object read(JsonNode v, Class<?> type) throws ModelFileException {
        if (v == null || v.isNull()) {
            return null;
        }
        if (type == double.class || type == Double.class) {
            return v.asDouble();
        }
        if (type == float.class || type == Float.class) {
            return (float) v.asDouble();
        }
        if (type == int.class || type == Integer.class) {
            return v.asInt();
        }
        if (type == long.class || type == Long.class) {
            return v.asLong();
        }
        if (type == boolean.class || type == Boolean.class) {
            return v.asBoolean();
        }
        if (type == String.class) {
            return v.asText();
        }
        if (type.isEnum()) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object e = Enum.valueOf((Class<Enum>) type, v.asText());
            return e;
        }
        if (type == long[].class) {
            long[] a = new long[v.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = v.get(i).asLong();
            }
            return a;
        }
        if (type == double[].class) {
            double[] a = new double[v.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = v.get(i).asDouble();
            }
            return a;
        }
        return decode(v);
    }

    /** The instance fields that describe a value: not static or transient, not arrays of state, not maps. */
    private static List<Field> fields(Class<?> cls) {
        List<Field> out = new ArrayList<>();
        for (Class<?> c = cls; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) || Modifier.isTransient(m) || Map.class.isAssignableFrom(f.getType())
                    || INDArray.class.isAssignableFrom(f.getType()) || f.getType().isArray() && f.getType() != long[].class
                    && f.getType() != double[].class || f.getName().equals("iterations")) {
                    continue;
                }
                out.add(f);
            }
        }
        return out;
    }

    /** A blank instance: the no-argument constructor, or, for value classes without one, none at all. */
    private static Object instantiate(Class<?> cls) throws ReflectiveOperationException {
        try {
            var ctor = cls.getDeclaredConstructor();
            ctor.setAccessible(true);
            return ctor.newInstance();
        } catch (NoSuchMethodException e) {
            var factory = sun.reflect.ReflectionFactory.getReflectionFactory();
            var blank = factory.newConstructorForSerialization(cls, Object.class.getDeclaredConstructor());
            return blank.newInstance();
        }
    }
}
