package dev.meshbox.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.meshbox.controlplane.config.ConfigProblem;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the line of the text a config problem is about, so the editor can mark it: the control plane names the
 * resource ({@code VirtualService default/reviews} or {@code document 2}) and the field
 * ({@code spec.http[0].route[1].weight}), or the line and column of a YAML syntax error.
 */
final class ProblemLines {

    /** A problem as the editor shows it; {@code line} is 1-based in the submitted text, 0 when unknown. */
    record Located(String source, String resource, String field, String message, String text, int line) {}

    private static final Pattern SYNTAX = Pattern.compile("line (\\d+), column \\d+");
    private static final Pattern SEPARATOR = Pattern.compile("^---(\\s.*)?$");
    private static final Pattern DOCUMENT = Pattern.compile("document (\\d+)");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One document of a multi-document text: its first line in the whole text and its own text. */
    private record Doc(int firstLine, String text) {}

    /** {@code VirtualService default/reviews: } or {@code document 2: } after the source. */
    private static final Pattern RESOURCE = Pattern.compile("^(document \\d+|[A-Z][A-Za-z]* [^\\s/:]+/[^\\s:]+): ");
    /** A field path has no space ({@code spec.http[0].headers.request.add.:path}), or is where YAML broke. */
    private static final Pattern FIELD = Pattern.compile("^(line \\d+, column \\d+|[^\\s]+): ");

    private ProblemLines() {}

    /**
     * The problems of an apply of {@code source} as the mesh reports them, whichever backend applies the config: the
     * text of each {@link ConfigProblem} ({@code my.yaml: VirtualService default/reviews: spec.http[0].route[1].weight:
     * must be >= 0, got -10}) taken apart again. A part that cannot be told stays in the message.
     */
    static List<Located> locate(String text, String source, List<String> problems) {
        return locate(text, problems.stream().map(p -> parse(source, p)).toList());
    }

    static ConfigProblem parse(String source, String problem) {
        String rest;
        String from;
        if (problem.startsWith(source + ": ")) {
            from = source;
            rest = problem.substring(source.length() + 2);
        } else {
            int colon = problem.indexOf(": ");
            if (colon < 0) {
                return new ConfigProblem("", "", "", problem);
            }
            from = problem.substring(0, colon);
            rest = problem.substring(colon + 2);
        }
        String resource = "";
        Matcher r = RESOURCE.matcher(rest);
        if (r.find()) {
            resource = r.group(1);
            rest = rest.substring(r.end());
        }
        String field = "";
        Matcher f = FIELD.matcher(rest);
        if (f.find()) {
            field = f.group(1);
            rest = rest.substring(f.end());
        }
        return new ConfigProblem(from, resource, field, rest);
    }

    static List<Located> locate(String text, List<ConfigProblem> problems) {
        List<Doc> docs = split(text);
        List<Located> out = new ArrayList<>();
        for (ConfigProblem p : problems) {
            out.add(new Located(p.source(), p.resource(), p.field(), p.message(), p.toString(), line(text, docs, p)));
        }
        return out;
    }

    static int line(String text, List<Doc> docs, ConfigProblem p) {
        Matcher syntax = SYNTAX.matcher(p.field());
        if (syntax.matches()) {
            return Integer.parseInt(syntax.group(1));
        }
        Doc doc = find(docs, p.resource());
        if (doc == null) {
            return 0;
        }
        int inDoc = dev.meshbox.scenarios.LineIndex.of(doc.text()).line(p.field());
        return doc.firstLine() + Math.max(inDoc, 1) - 1;
    }

    private static Doc find(List<Doc> docs, String resource) {
        Matcher n = DOCUMENT.matcher(resource);
        if (n.matches()) {
            int i = Integer.parseInt(n.group(1)) - 1;
            return i >= 0 && i < docs.size() ? docs.get(i) : null;
        }
        if (resource.isEmpty()) {
            return docs.size() == 1 ? docs.get(0) : null;
        }
        for (Doc d : docs) {
            if (identity(d.text()).equals(resource)) {
                return d;
            }
        }
        return null;
    }

    /** {@code Kind namespace/name}, as problems name a resource. */
    private static String identity(String docText) {
        try {
            JsonNode n = YAML.readTree(docText);
            if (n == null || !n.isObject()) {
                return "";
            }
            String ns = n.path("metadata").path("namespace").asText("");
            return n.path("kind").asText() + " " + (ns.isEmpty() ? "default" : ns) + "/"
                    + n.path("metadata").path("name").asText();
        } catch (IOException e) {
            return "";
        }
    }

    /** The documents between {@code ---} lines; a blank text before the first separator is no document. */
    static List<Doc> split(String text) {
        List<Doc> docs = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        StringBuilder current = new StringBuilder();
        int first = 1;
        for (int i = 0; i < lines.length; i++) {
            if (SEPARATOR.matcher(lines[i]).matches()) {
                if (!docs.isEmpty()
                        || !current.toString().replaceAll("(?m)^\\s*#.*$", "").isBlank()) {
                    docs.add(new Doc(first, current.toString()));
                }
                current.setLength(0);
                first = i + 2;
            } else {
                current.append(lines[i]).append('\n');
            }
        }
        docs.add(new Doc(first, current.toString()));
        return docs;
    }
}
