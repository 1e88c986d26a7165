package io.twostep.keycloak.support;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Finds secrets in log text: codes, numbers (with or without {@code +}) and API secrets. */
public final class LogScanner {

    private LogScanner() {
    }

    /**
     * @param log     the log text
     * @param secrets values that must not appear; digit strings match only as whole tokens, so a code does not
     *                "match" inside a longer id
     * @return each secret found, with the log line it was found on
     */
    public static List<String> leaks(String log, List<String> secrets) {
        List<String> found = new ArrayList<>();
        String[] lines = log.split("\n");
        for (String secret : secrets) {
            Pattern pattern = Pattern.compile("(?<![0-9A-Za-z-])\\+?" + Pattern.quote(secret.replace("+", ""))
                    + "(?![0-9A-Za-z-])");
            for (String line : lines) {
                if (pattern.matcher(line).find()) {
                    found.add(secret + " in: " + line);
                }
            }
        }
        return found;
    }
}
