package io.twostep.keycloak.support;

import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import org.keycloak.testframework.mail.MailServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The test SMTP server (GreenMail) seen as the mailboxes of the test users: waits for a notice to one address, and
 * reads its text and HTML parts.
 */
public final class Mailbox {

    private final MailServer server;

    public Mailbox(MailServer server) {
        this.server = server;
    }

    /** @return every message received so far for {@code address}, oldest first */
    public List<MimeMessage> to(String address) {
        return Arrays.stream(server.getReceivedMessages()).filter(m -> addressedTo(m, address)).toList();
    }

    /**
     * Waits for a message to {@code address} whose subject contains {@code subject}.
     *
     * @param already how many such messages were there before; the one awaited is the next
     * @throws AssertionError when none arrives within {@code wait}
     */
    public MimeMessage await(String address, String subject, int already, Duration wait) {
        long end = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < end) {
            List<MimeMessage> found = withSubject(address, subject);
            if (found.size() > already) {
                MimeMessage message = found.get(already);
                IssuedSecrets.notice(address, text(message)); // looked for in the server log afterwards
                return message;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("no message to " + address + " with '" + subject + "' within " + wait
                + "; subjects: " + to(address).stream().map(Mailbox::subject).toList());
    }

    /** Waits for the first message to {@code address} whose subject contains {@code subject}, up to 20 s. */
    public MimeMessage await(String address, String subject) {
        return await(address, subject, 0, Duration.ofSeconds(20));
    }

    /** @return the messages to {@code address} whose subject contains {@code subject} */
    public List<MimeMessage> withSubject(String address, String subject) {
        return to(address).stream().filter(m -> subject(m).contains(subject)).toList();
    }

    public static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the plain-text part */
    public static String text(MimeMessage message) {
        return part(message, "text/plain");
    }

    /** @return the HTML part */
    public static String html(MimeMessage message) {
        return part(message, "text/html");
    }

    private static String part(MimeMessage message, String type) {
        try {
            Object content = message.getContent();
            if (content instanceof Multipart multipart) {
                String found = find(multipart, type);
                if (found != null) {
                    return found;
                }
            }
            return String.valueOf(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String find(Multipart multipart, String type) throws MessagingException, IOException {
        for (int i = 0; i < multipart.getCount(); i++) {
            BodyPart part = multipart.getBodyPart(i);
            if (part.getContent() instanceof Multipart inner) {
                String found = find(inner, type);
                if (found != null) {
                    return found;
                }
            } else if (part.isMimeType(type)) {
                return String.valueOf(part.getContent());
            }
        }
        return null;
    }

    private static boolean addressedTo(MimeMessage message, String address) {
        try {
            return message.getRecipients(Message.RecipientType.TO) != null
                    && Arrays.stream(message.getRecipients(Message.RecipientType.TO))
                    .anyMatch(a -> a.toString().equalsIgnoreCase(address));
        } catch (MessagingException e) {
            return false;
        }
    }
}
