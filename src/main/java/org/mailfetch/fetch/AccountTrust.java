package org.mailfetch.fetch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.mailfetch.mail.Account;

/** The TLS trust of an account, the same for every protocol: the JVM's, or exactly its --trust-cert. */
public final class AccountTrust {

    private AccountTrust() {}

    /** The account's own SSL context when it trusts a certificate of its own; null for the JVM's default trust. */
    public static SSLContext of(Account account) {
        return account.trustCertPem() != null && !account.trustCertPem().isBlank() ? trusting(account.trustCertPem()) : null;
    }

    /** An SSL context that trusts exactly the given certificate(s); verification stays on. */
    public static SSLContext trusting(String pem) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                trust.setCertificateEntry("trusted-" + i++, cert);
            }
            if (i == 0) {
                throw new IllegalArgumentException("the trusted certificate holds no PEM certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use the trusted certificate: " + e.getMessage(), e);
        }
    }
}
