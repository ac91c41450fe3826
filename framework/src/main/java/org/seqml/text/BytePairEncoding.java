package org.seqml.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Subword units by byte-pair encoding (Sennrich, Haddow and Birch, 2016), with SentencePiece's
 * whitespace marker: a text is split at whitespace, each word is prefixed with {@code ▁}
 * (U+2581) and spelled in characters, and the most frequent adjacent pair of symbols over the
 * corpus is merged into a new symbol, again and again, until the vocabulary has the size asked
 * for. Encoding applies the learned merges in the order they were learned; decoding joins the
 * pieces and turns each {@code ▁} back into a space, so {@code decode(encode(t))} gives {@code t}
 * with its whitespace collapsed (and lower-cased when the model lower-cases).
 *
 * <pre>
 * learn:  count(x, y) = sum over words w of freq(w) * #occurrences of the pair x y in w
 *         merge the pair with the largest count (ties: the pair whose "x y" sorts first)
 * encode: merge, within each word, the adjacent pair learned earliest, until none applies
 * </pre>
 * Vocabulary: id 0 is "" (padding), 1 is "[UNK]" (a character the corpus had fewer than
 * {@code minCharacterCount} times), then the characters by count, then the merges in order.
 * Immutable; encoding is safe from any thread.
 *
 * <p>Why not a library: the Java bindings on Maven Central that work offline, DJL's
 * {@code ai.djl.huggingface:tokenizers} 0.28.0 (a 19.9 MB jar with Rust natives for four
 * platforms) and {@code ai.djl.sentencepiece:sentencepiece} 0.28.0 (2.2 MB with natives), load
 * and apply tokenizers trained elsewhere but expose no training: learning the merges on one's
 * own corpus would need Python. Learning and encoding BPE are a few hundred lines.
 *
 * <pre>{@code
 * BytePairEncoding bpe = BytePairEncoding.learn(trainingTexts, 8000, true);
 * int[] ids = bpe.encode("En el principio");   // e.g. [▁en, ▁el, ▁princip, io]
 * String back = bpe.decode(ids);               // "en el principio"
 * }</pre>
 */
public final class BytePairEncoding {
    /** SentencePiece's marker of a word's start. */
    public static final String WORD_START = "\u2581";
    public static final String PAD = "";
    public static final String UNKNOWN = "[UNK]";

    private final List<String> vocabulary;
    private final List<String> merges;
    private final boolean lowercase;
    private final boolean splitPunctuation;
    private final Map<String, Integer> index;
    private final Map<String, Integer> rank;
    /** Words encoded before: a corpus repeats its words. Bounded by clearing when full. */
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 200_000;

    /**
     * A model from its parts, as {@link #vocabulary()} and {@link #merges()} give them (a saved
     * model): every merge {@code "x y"} joins two vocabulary entries into one.
     */
    public BytePairEncoding(List<String> vocabulary, List<String> merges, boolean lowercase) {
        this(vocabulary, merges, lowercase, false);
    }

    /**
     * As above; with {@code splitPunctuation} each run of punctuation (anything but letters,
     * digits and marks) is a word of its own, without the start marker when no space precedes it,
     * so no piece spans a word and its punctuation ("tierra." is "▁tierra" and ".") and decoding
     * still restores the text.
     */
    public BytePairEncoding(List<String> vocabulary, List<String> merges, boolean lowercase,
                            boolean splitPunctuation) {
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(merges, "merges");
        if (vocabulary.size() < 2 || !vocabulary.get(0).equals(PAD) || !vocabulary.get(1).equals(UNKNOWN)) {
            throw new IllegalArgumentException("BytePairEncoding: the vocabulary starts with \"\" (padding) and \"[UNK]\"");
        }
        this.vocabulary = List.copyOf(vocabulary);
        this.merges = List.copyOf(merges);
        this.lowercase = lowercase;
        this.splitPunctuation = splitPunctuation;
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            if (ids.putIfAbsent(vocabulary.get(i), i) != null) {
                throw new IllegalArgumentException("BytePairEncoding: the vocabulary repeats '" + vocabulary.get(i) + "'");
            }
        }
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 0; i < merges.size(); i++) {
            String[] pair = split(merges.get(i));
            if (!ids.containsKey(pair[0]) || !ids.containsKey(pair[1]) || !ids.containsKey(pair[0] + pair[1])) {
                throw new IllegalArgumentException("BytePairEncoding: merge " + i + " '" + merges.get(i)
                    + "' joins symbols that are not in the vocabulary");
            }
            ranks.put(merges.get(i), i);
        }
        this.index = Map.copyOf(ids);
        this.rank = Map.copyOf(ranks);
    }

    /**
     * Learns merges on {@code texts} until the vocabulary holds {@code vocabularySize} entries
     * (fewer when no pair occurs twice), characters seen fewer than twice left unknown.
     */
    public static BytePairEncoding learn(Iterable<String> texts, int vocabularySize, boolean lowercase) {
        return learn(texts, vocabularySize, lowercase, 2, false);
    }

    /**
     * As {@link #learn(Iterable, int, boolean)}, keeping characters seen at least
     * {@code minCharacterCount} times, punctuation split from words when asked (see
     * {@link #BytePairEncoding(List, List, boolean, boolean)}).
     */
    public static BytePairEncoding learn(Iterable<String> texts, int vocabularySize, boolean lowercase,
                                         int minCharacterCount, boolean splitPunctuation) {
        if (vocabularySize < 3) {
            throw new IllegalArgumentException("BytePairEncoding: vocabularySize must leave room for padding, [UNK] and"
                + " a symbol (>= 3), got " + vocabularySize);
        }
        if (minCharacterCount < 1) {
            throw new IllegalArgumentException("BytePairEncoding: minCharacterCount must be at least 1, got "
                + minCharacterCount);
        }
        Map<String, Integer> wordCounts = new LinkedHashMap<>();
        for (String text : Objects.requireNonNull(texts, "texts")) {
            for (String w : words(text, lowercase, splitPunctuation)) {
                wordCounts.merge(w, 1, Integer::sum);
            }
        }
        Map<String, Long> charCounts = new HashMap<>();
        wordCounts.forEach((w, n) -> w.codePoints().forEach(c -> charCounts.merge(new String(Character.toChars(c)),
            (long) n, Long::sum)));
        List<String> chars = new ArrayList<>(charCounts.keySet());
        chars.removeIf(c -> charCounts.get(c) < minCharacterCount);
        chars.sort((a, b) -> charCounts.get(a).equals(charCounts.get(b)) ? a.compareTo(b)
            : Long.compare(charCounts.get(b), charCounts.get(a)));
        List<String> vocabulary = new ArrayList<>(List.of(PAD, UNKNOWN));
        vocabulary.addAll(chars.subList(0, Math.min(chars.size(), vocabularySize - 2)));
        Set<String> known = new HashSet<>(vocabulary);
        List<String> merges = new ArrayList<>();
        new Learner(wordCounts, known).run(vocabulary, merges, vocabularySize);
        return new BytePairEncoding(vocabulary, merges, lowercase, splitPunctuation);
    }

    /**
     * The merge loop over the distinct words, with pair counts kept up to date incrementally: a
     * merge touches only the words that hold its pair.
     */
    private static final class Learner {
        private final List<List<String>> words = new ArrayList<>();
        private final int[] freq;
        private final Map<String, Long> counts = new HashMap<>();
        private final Map<String, Set<Integer>> where = new HashMap<>();
        private final PriorityQueue<Map.Entry<String, Long>> queue = new PriorityQueue<>((a, b) ->
            a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : Long.compare(b.getValue(), a.getValue()));

        Learner(Map<String, Integer> wordCounts, Set<String> known) {
            freq = new int[wordCounts.size()];
            int i = 0;
            for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
                List<String> symbols = new ArrayList<>();
                e.getKey().codePoints().forEach(c -> symbols.add(new String(Character.toChars(c))));
                words.add(symbols);
                freq[i] = e.getValue();
                // a pair with an unknown character is never learned: [UNK] does not merge
                add(i, symbols, known, +1);
                i++;
            }
            counts.forEach((p, n) -> queue.add(Map.entry(p, n)));
            queueing = true;
        }

        /** Whether counts changed since building are queued (building queues them all at the end). */
        private boolean queueing;

        /** Adds ({@code sign} +1) or removes (-1) the pairs of word {@code w} spelled {@code symbols}. */
        private void add(int w, List<String> symbols, Set<String> known, int sign) {
            for (int k = 0; k + 1 < symbols.size(); k++) {
                if (!known.contains(symbols.get(k)) || !known.contains(symbols.get(k + 1))) {
                    continue;
                }
                String pair = symbols.get(k) + " " + symbols.get(k + 1);
                long n = counts.merge(pair, (long) sign * freq[w], Long::sum);
                if (sign > 0) {
                    where.computeIfAbsent(pair, p -> new HashSet<>()).add(w);
                }
                if (queueing) {
                    queue.add(Map.entry(pair, n));   // the entry it had goes stale
                }
            }
        }

        void run(List<String> vocabulary, List<String> merges, int vocabularySize) {
            Set<String> known = new HashSet<>(vocabulary);
            while (vocabulary.size() < vocabularySize && !queue.isEmpty()) {
                Map.Entry<String, Long> top = queue.poll();
                Long current = counts.get(top.getKey());
                if (current == null || !current.equals(top.getValue())) {
                    continue;   // a stale entry: the count moved since it was queued
                }
                if (current < 2) {
                    break;
                }
                String pair = top.getKey();
                String[] xy = split(pair);
                String joined = xy[0] + xy[1];
                merges.add(pair);
                if (known.add(joined)) {
                    vocabulary.add(joined);
                }
                for (int w : new ArrayList<>(where.getOrDefault(pair, Set.of()))) {
                    List<String> symbols = words.get(w);
                    add(w, symbols, known, -1);
                    List<String> merged = new ArrayList<>(symbols.size());
                    for (int k = 0; k < symbols.size(); k++) {
                        if (k + 1 < symbols.size() && symbols.get(k).equals(xy[0]) && symbols.get(k + 1).equals(xy[1])) {
                            merged.add(joined);
                            k++;
                        } else {
                            merged.add(symbols.get(k));
                        }
                    }
                    words.set(w, merged);
                    add(w, merged, known, +1);
                }
                counts.remove(pair);
                where.remove(pair);
            }
        }
    }

    /** Punctuation runs and runs of anything else, within a whitespace-separated chunk. */
    private static final java.util.regex.Pattern PIECES = java.util.regex.Pattern.compile(
        "[^\\p{L}\\p{N}\\p{M}]+|[\\p{L}\\p{N}\\p{M}]+");

    /**
     * The words of a text: normalized (NFKC), lower-cased when asked, split at whitespace, each
     * with the start marker; with {@code splitPunctuation} each chunk is cut further between
     * punctuation and the rest, only its first part marked.
     */
    private static List<String> words(String text, boolean lowercase, boolean splitPunctuation) {
        String t = Normalizer.normalize(Objects.requireNonNull(text, "text"), Normalizer.Form.NFKC);
        if (lowercase) {
            t = t.toLowerCase(Locale.ROOT);
        }
        List<String> out = new ArrayList<>();
        for (String chunk : t.strip().split("\\s+")) {
            if (chunk.isEmpty()) {
                continue;
            }
            String w = chunk.replace(WORD_START, "_");
            if (!splitPunctuation) {
                out.add(WORD_START + w);
                continue;
            }
            java.util.regex.Matcher m = PIECES.matcher(w);
            boolean first = true;
            while (m.find()) {
                out.add(first ? WORD_START + m.group() : m.group());
                first = false;
            }
        }
        return out;
    }

    private static String[] split(String merge) {
        int space = merge.indexOf(' ');
        if (space <= 0 || space == merge.length() - 1 || merge.indexOf(' ', space + 1) >= 0) {
            throw new IllegalArgumentException("BytePairEncoding: a merge is two symbols and a space, got '" + merge + "'");
        }
        return new String[] {merge.substring(0, space), merge.substring(space + 1)};
    }

    /** The pieces of a text, as strings. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (int id : encode(text)) {
            out.add(vocabulary.get(id));
        }
        return out;
    }

    /** The ids of a text's pieces (no padding, no start or end marks). */
    public int[] encode(String text) {
        List<int[]> parts = new ArrayList<>();
        int length = 0;
        for (String w : words(text, lowercase, splitPunctuation)) {
            int[] ids = cache.get(w);
            if (ids == null) {
                ids = encodeWord(w);
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(w, ids);
            }
            parts.add(ids);
            length += ids.length;
        }
        int[] out = new int[length];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private int[] encodeWord(String word) {
        List<String> symbols = new ArrayList<>();
        word.codePoints().forEach(c -> symbols.add(new String(Character.toChars(c))));
        while (symbols.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int k = 0; k + 1 < symbols.size(); k++) {
                Integer r = rank.get(symbols.get(k) + " " + symbols.get(k + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = k;
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.get(best + 1));
            symbols.remove(best + 1);
        }
        int[] ids = new int[symbols.size()];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = index.getOrDefault(symbols.get(k), 1);
        }
        return ids;
    }

    /** The text of these ids: pieces joined, each word start a space; padding skipped, [UNK] kept. */
    public String decode(int[] ids) {
        StringBuilder s = new StringBuilder();
        for (int id : ids) {
            if (id < 0 || id >= vocabulary.size()) {
                throw new IllegalArgumentException("BytePairEncoding: id " + id + " is outside the vocabulary [0, "
                    + vocabulary.size() + ")");
            }
            if (id != 0) {
                s.append(id == 1 ? " " + UNKNOWN : vocabulary.get(id));
            }
        }
        return s.toString().replace(WORD_START, " ").replaceAll("\\s+", " ").strip();
    }

    /** The vocabulary: "" and "[UNK]", the characters, then the merged symbols. */
    public List<String> vocabulary() {
        return vocabulary;
    }

    /** The merges in the order they were learned, each "x y". */
    public List<String> merges() {
        return merges;
    }

    public int vocabularySize() {
        return vocabulary.size();
    }

    public boolean lowercase() {
        return lowercase;
    }

    public boolean splitPunctuation() {
        return splitPunctuation;
    }
}
