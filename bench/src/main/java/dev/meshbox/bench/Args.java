package dev.meshbox.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --name value} pairs of a harness's command line. */
final class Args {

    private Args() {}

    static Map<String, String> parse(String[] argv) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException(argv[i] + ": expected --name value pairs");
            }
            out.put(argv[i], argv[++i]);
        }
        return out;
    }
}
