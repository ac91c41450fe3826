package org.seqml.examples.g2p;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A pronouncing dictionary (each word's pronunciations, in file order) and the symbol tables that
 * turn its letters and phonemes into ids. Id 0 is padding in both; phonemes also have START (fed
 * to the decoder before the first phoneme) and END (emitted after the last).
 */
record Lexicon(Map<String, List<List<String>>> words) {
    static final String LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ'";
    static final List<String> PHONEMES = List.of("AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER",
        "EY", "F", "G", "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH",
        "UH", "UW", "V", "W", "Y", "Z", "ZH");
    static final int START = 1;
    static final int END = 2;
    static final int LETTER_IDS = LETTERS.length() + 1;
    static final int PHONEME_IDS = PHONEMES.size() + 3;

    /** The first {@code limit} words of a gzipped {@code WORD  PH PH ...} file from the resources. */
    static Lexicon read(String resource, int limit) {
        Map<String, List<List<String>>> words = new LinkedHashMap<>();
        InputStream raw = Lexicon.class.getResourceAsStream("/data/cmudict/" + resource);
        if (raw == null) {
            throw new IllegalStateException("missing resource data/cmudict/" + resource
                + "; examples/scripts/fetch-cmudict.sh makes it");
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw),
            StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                int gap = line.indexOf("  ");
                String word = line.substring(0, gap);
                if (!words.containsKey(word) && words.size() == limit) {
                    break;
                }
                List<String> phonemes = Arrays.asList(line.substring(gap + 2).trim().split(" "));
                words.computeIfAbsent(word, w -> new ArrayList<>()).add(phonemes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Lexicon(words);
    }

    /** Letter ids of a word (1-based; 0 is padding). */
    static int[] letterIds(String word) {
        int[] ids = new int[word.length()];
        for (int i = 0; i < ids.length; i++) {
            int k = LETTERS.indexOf(word.charAt(i));
            if (k < 0) {
                throw new IllegalArgumentException("letter '" + word.charAt(i) + "' of " + word + " is not in " + LETTERS);
            }
            ids[i] = k + 1;
        }
        return ids;
    }

    static int phonemeId(String phoneme) {
        int k = PHONEMES.indexOf(phoneme);
        if (k < 0) {
            throw new IllegalArgumentException("unknown phoneme " + phoneme);
        }
        return k + 3;
    }

    static String phoneme(int id) {
        return id >= 3 && id < PHONEME_IDS ? PHONEMES.get(id - 3) : "<" + id + ">";
    }

    /**
     * This dictionary and another read as one file: a word in both keeps this one's pronunciations
     * followed by the other's (721 validation words are training words with another pronunciation).
     */
    Lexicon with(Lexicon other) {
        Map<String, List<List<String>>> all = new LinkedHashMap<>();
        words.forEach((word, pronunciations) -> all.put(word, new ArrayList<>(pronunciations)));
        other.words.forEach((word, pronunciations) ->
            all.computeIfAbsent(word, w -> new ArrayList<>()).addAll(pronunciations));
        return new Lexicon(all);
    }

    int pronunciations() {
        return words.values().stream().mapToInt(List::size).sum();
    }
}
