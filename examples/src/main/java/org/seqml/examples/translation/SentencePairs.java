package org.seqml.examples.translation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * German-English sentence pairs from the Ding dictionary's word list ({@code German :: English}
 * per entry, {@code |} between the aligned senses of one entry): the senses whose two sides are
 * both sentences (ending in . ! or ?) of at most {@code maxWords} words, each pair once.
 */
final class SentencePairs {
    /** Words (letters, with inner apostrophes), numbers, and single punctuation marks. */
    private static final Pattern TOKEN = Pattern.compile("\\p{L}+(?:['’]\\p{L}+)*|\\p{N}+|[^\\s\\p{L}\\p{N}]");

    record Pair(String german, String english) {
    }

    private SentencePairs() {
    }

    static List<Pair> read(Path file, int maxWords) {
        Set<Pair> pairs = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int split = line.indexOf(" :: ");
                if (line.startsWith("#") || split < 0) {
                    continue;
                }
                String[] de = line.substring(0, split).split(" \\| ");
                String[] en = line.substring(split + 4).split(" \\| ");
                if (de.length != en.length) {
                    continue;   // senses not aligned one to one
                }
                for (int i = 0; i < de.length; i++) {
                    String d = de[i].trim();
                    String e = en[i].trim();
                    if (sentence(d) && sentence(e) && words(d) <= maxWords && words(e) <= maxWords) {
                        pairs.add(new Pair(d, e));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new ArrayList<>(pairs);
    }

    private static boolean sentence(String s) {
        return !s.isEmpty() && ".!?".indexOf(s.charAt(s.length() - 1)) >= 0;
    }

    private static int words(String s) {
        return s.split("\\s+").length;
    }

    /** Lower-cased tokens: words, numbers and punctuation marks. */
    static List<String> tokens(String sentence) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(sentence.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /**
     * Token ids: 0 padding, 1 START, 2 END, 3 unknown, then the {@code size - 4} most frequent
     * tokens of the training sentences seen at least twice (ties by first occurrence).
     */
    record Vocabulary(List<String> tokens, Map<String, Integer> ids) {
        static final int START = 1;
        static final int END = 2;
        static final int UNKNOWN = 3;

        static Vocabulary of(List<List<String>> sentences, int size) {
            Map<String, Integer> counts = new java.util.LinkedHashMap<>();
            sentences.forEach(s -> s.forEach(t -> counts.merge(t, 1, Integer::sum)));
            List<String> tokens = new ArrayList<>(List.of("<pad>", "<start>", "<end>", "<unk>"));
            counts.entrySet().stream().filter(e -> e.getValue() >= 2)
                .sorted((a, b) -> b.getValue() - a.getValue()).limit(size - 4L).forEach(e -> tokens.add(e.getKey()));
            Map<String, Integer> ids = new HashMap<>();
            for (int i = 0; i < tokens.size(); i++) {
                ids.put(tokens.get(i), i);
            }
            return new Vocabulary(tokens, ids);
        }

        int[] encode(List<String> sentence) {
            return sentence.stream().mapToInt(t -> ids.getOrDefault(t, UNKNOWN)).toArray();
        }

        List<String> decode(int[] ids) {
            List<String> out = new ArrayList<>();
            for (int id : ids) {
                out.add(tokens.get(id));
            }
            return out;
        }

        int size() {
            return tokens.size();
        }
    }
}
