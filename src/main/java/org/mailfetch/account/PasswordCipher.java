package org.mailfetch.account;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts account passwords at rest with AES-256-GCM. The key comes from the environment
 * variable MAILFETCH_KEY (base64) or from {@code <data-dir>/mailfetch.key}, created 0600 on first use.
 * Losing the key loses every stored password: back it up with the database.
 */
public final class PasswordCipher {

    public static final String KEY_ENV = "MAILFETCH_KEY";
    private static final String PREFIX = "v1:";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private PasswordCipher(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("the password key must be 32 bytes (base64 of 32 random bytes)");
        }
        this.key = new SecretKeySpec(key, "AES");
    }

    public static PasswordCipher forDataDir(Path dataDir) {
        String fromEnv = System.getenv(KEY_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new PasswordCipher(Base64.getDecoder().decode(fromEnv.trim()));
        }
        Path keyFile = dataDir.resolve("mailfetch.key");
        try {
            if (!Files.exists(keyFile)) {
                createKeyFile(keyFile);
            }
            return new PasswordCipher(Base64.getDecoder().decode(Files.readString(keyFile).trim()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the password key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    private static void createKeyFile(Path keyFile) throws IOException {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        Files.createDirectories(keyFile.getParent());
        // Written 0600 under a temporary name, then linked into place: a second process starting
        // at the same moment either wins the link or reads the finished winner, never a half file.
        Path tmp = Files.createTempFile(keyFile.getParent(), "mailfetch.key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, Base64.getEncoder().encodeToString(fresh) + "\n", StandardOpenOption.WRITE,
                    StandardOpenOption.SYNC);
            Files.createLink(keyFile, tmp);
        } catch (FileAlreadyExistsException raced) {
            // another process created it first: use theirs
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public String encrypt(String password) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            byte[] sealed = cipher.doFinal(password.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[iv.length + sealed.length];
            System.arraycopy(iv, 0, out, 0, iv.length);
            System.arraycopy(sealed, 0, out, iv.length, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt password: " + e.getMessage(), e);
        }
    }

    /**
     * A check value of the key: HMAC-SHA256 of a fixed label, 16 bytes in hex. Nodes sharing a
     * database compare it to learn whether they hold the same key, without the key leaving any node.
     */
    public String fingerprint() {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            byte[] check = mac.doFinal("mailfetch key check v1".getBytes(StandardCharsets.US_ASCII));
            return java.util.HexFormat.of().formatHex(check, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot compute the key's check value: " + e.getMessage(), e);
        }
    }

    public String decrypt(String stored) {
        if (!stored.startsWith(PREFIX)) {
            throw new IllegalStateException("stored password has an unknown format");
        }
        try {
            byte[] in = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
            return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot decrypt the stored password: wrong key file or MAILFETCH_KEY?", e);
        }
    }
}
