package io.twostep.keycloak.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;

/**
 * A package tarball from the npm registry, fetched with plain HTTP (the build has no npm), kept in a work
 * directory between runs and checked against the registry's {@code dist.integrity} (SHA-512) before every use.
 */
final class NpmTarball {

    private NpmTarball() {
    }

    /**
     * @param workDir where the tarball is kept (e.g. {@code target/chromium}); created if missing
     * @param name    the package name, e.g. {@code axe-core} or {@code @sparticuz/chromium}
     * @param version the exact version, e.g. {@code 4.14.1}
     * @param sha512  the registry's {@code dist.integrity} without its {@code sha512-} prefix (Base64)
     * @return the checked tarball ({@code <workDir>/<file name>.tgz})
     * @throws IOException when the download fails, the registry answers other than 200, or the checksum differs
     *                     (the bad file is deleted, so the next run downloads it again)
     */
    static Path fetch(Path workDir, String name, String version, String sha512) throws IOException,
            InterruptedException {
        String file = name.substring(name.lastIndexOf('/') + 1) + "-" + version + ".tgz";
        URI url = URI.create("https://registry.npmjs.org/" + name + "/-/" + file);
        Files.createDirectories(workDir);
        Path tarball = workDir.resolve(file);
        if (!Files.exists(tarball)) {
            Path partial = workDir.resolve(file + ".part");
            HttpResponse<Path> download = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .proxy(ProxySelector.getDefault()).connectTimeout(Duration.ofSeconds(30)).build()
                    .send(HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(10)).build(),
                            HttpResponse.BodyHandlers.ofFile(partial));
            if (download.statusCode() != 200) {
                throw new IOException("download of " + url + " answered " + download.statusCode());
            }
            Files.move(partial, tarball, StandardCopyOption.REPLACE_EXISTING);
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-512");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(tarball)) {
            in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), digest));
        }
        if (!sha512.equals(Base64.getEncoder().encodeToString(digest.digest()))) {
            Files.delete(tarball);
            throw new IOException("checksum mismatch for " + url);
        }
        return tarball;
    }
}
