package dev.meshbox.webui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads samples of one metric from Prometheus text exposition format 0.0.4, as a proxy's port 15090 serves it. */
public final class PrometheusText {

    /** One sample: its labels and value. */
    public record Sample(Map<String, String> labels, double value) {
        public String label(String name) {
            return labels.getOrDefault(name, "unknown");
        }
    }

    private PrometheusText() {}

    /** The samples of {@code metric} (exact name, so {@code _bucket} and {@code _sum} series are not included). */
    public static List<Sample> samples(String text, String metric) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith(metric) || line.length() <= metric.length()) {
                continue;
            }
            char next = line.charAt(metric.length());
            if (next != '{' && next != ' ') {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            int i = metric.length();
            if (next == '{') {
                i = labels(line, i + 1, labels);
                if (i < 0) {
                    continue; // a malformed line: skip it rather than guess
                }
            }
            String rest = line.substring(i).trim();
            int space = rest.indexOf(' ');
            String value = space < 0 ? rest : rest.substring(0, space); // a timestamp may follow
            try {
                out.add(new Sample(Map.copyOf(labels), Double.parseDouble(value)));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return out;
    }

    /** Parses {@code a="x",b="y"}} from {@code i}; returns the index after the closing brace, or -1. */
    private static int labels(String line, int i, Map<String, String> out) {
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '}') {
                return i + 1;
            }
            if (c == ',' || c == ' ') {
                i++;
                continue;
            }
            int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                return -1;
            }
            String name = line.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < line.length(); j++) {
                char ch = line.charAt(j);
                if (ch == '\\' && j + 1 < line.length()) {
                    char esc = line.charAt(++j);
                    value.append(esc == 'n' ? '\n' : esc);
                } else if (ch == '"') {
                    break;
                } else {
                    value.append(ch);
                }
            }
            if (j >= line.length()) {
                return -1;
            }
            out.put(name, value.toString());
            i = j + 1;
        }
        return -1;
    }
}
