package io.twostep.keycloak.unit;

import io.twostep.keycloak.support.LogScanner;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log scanner the hygiene test relies on finds what it must and nothing else. */
class LogScannerTest {

    @Test
    void findsCodesNumbersAndSecretsAsWholeTokens() {
        String log = """
                10:00:01 INFO [x] SMS text: your login code is 482913.
                10:00:02 DEBUG [y] to=4915112345678&text=hello
                10:00:03 INFO [z] request id 7a482913b-1 done
                10:00:04 INFO [z] api_secret=s3cr3t
                """;
        List<String> leaks = LogScanner.leaks(log, List.of("482913", "4915112345678", "s3cr3t", "777777"));
        assertEquals(3, leaks.size(), leaks.toString());
        assertTrue(leaks.get(0).startsWith("482913 in: 10:00:01"));
    }

    @Test
    void findsANumberWrittenWithPlus() {
        assertEquals(1, LogScanner.leaks("sent to +4915112345678 ok", List.of("4915112345678")).size());
    }
}
