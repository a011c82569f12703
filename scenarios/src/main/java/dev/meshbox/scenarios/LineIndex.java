package dev.meshbox.scenarios;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps each key path of a YAML document ({@code steps[0].traffic.count}, {@code spec.http[0].route[1].weight}) to
 * its line, for error messages: the scenario loader's and the web UI's config editor's.
 */
public final class LineIndex {
    private final Map<String, Integer> lines;

    private LineIndex(Map<String, Integer> lines) {
        this.lines = lines;
    }

    public static LineIndex of(String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            Deque<Object> path = new ArrayDeque<>(); // String for object fields, int[] counters for arrays
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                switch (t) {
                    case FIELD_NAME -> {
                        String prefix = render(path);
                        String key = p.currentName();
                        lines.putIfAbsent(
                                prefix.isEmpty() ? key : prefix + "." + key,
                                p.currentLocation().getLineNr());
                        path.push(key);
                    }
                    case START_ARRAY -> {
                        path.push(new int[] {-1});
                    }
                    case START_OBJECT -> {
                        bumpArray(path, p, lines);
                        path.push("{");
                    }
                    case END_OBJECT -> {
                        path.pop();
                        popField(path);
                    }
                    case END_ARRAY -> {
                        path.pop();
                        popField(path);
                    }
                    default -> {
                        bumpArray(path, p, lines);
                        popField(path);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Syntax errors are reported by the real parse; the index just stays partial.
        }
        return new LineIndex(lines);
    }

    private static void bumpArray(Deque<Object> path, JsonParser p, Map<String, Integer> lines) {
        if (!path.isEmpty() && path.peek() instanceof int[] counter) {
            counter[0]++;
            lines.putIfAbsent(render(path), p.currentLocation().getLineNr());
        }
    }

    private static void popField(Deque<Object> path) {
        if (!path.isEmpty() && path.peek() instanceof String s && !s.equals("{")) {
            path.pop();
        }
    }

    private static String render(Deque<Object> path) {
        StringBuilder sb = new StringBuilder();
        var it = path.descendingIterator();
        while (it.hasNext()) {
            Object o = it.next();
            if (o instanceof int[] c) {
                sb.append('[').append(Math.max(c[0], 0)).append(']');
            } else if (!o.equals("{")) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(o);
            }
        }
        return sb.toString();
    }

    /** The line of {@code path}, or of its nearest ancestor that has one; 0 when unknown. */
    public int line(String path) {
        String p = path;
        while (!p.isEmpty()) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut <= 0 ? "" : p.substring(0, cut);
        }
        return 0;
    }
}
