package org.mailfetch.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mailfetch.testsupport.Pop3Scenario.Fault;
import org.mailfetch.testsupport.Pop3Scenario.Message;
import org.mailfetch.testsupport.Pop3Scenario.Quirk;

/** The hostile server does what its scenario says, so that a table row passing against it means something. */
@Timeout(60)
class HostilePop3ServerTest {

    @Test
    void aWellBehavedServerShouldKeepItsMaildirAcrossConnectionsAndDeleteOnlyAtAnAnsweredQuit() throws Exception {
        try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.goodMessages(Fault.NONE, 3));
             Raw c = Raw.login(server)) {
            assertEquals("+OK 3 ", c.command("STAT").substring(0, 6));
            assertEquals(List.of("1 uid-1", "2 uid-2", "3 uid-3"), c.multiLine("UIDL"));
            String retr = String.join("\n", c.multiLine("RETR 2"));
            assertTrue(retr.contains("Subject: good 2\n"), retr);
            assertTrue(c.command("DELE 2").startsWith("+OK"));
            assertTrue(c.command("RETR 2").startsWith("-ERR"), "a deleted message is gone for this connection");
            assertEquals(List.of("good 1", "good 2", "good 3"), server.remaining(), "nothing removed before QUIT");
            assertTrue(c.command("QUIT").startsWith("+OK"));
            assertEquals(List.of("good 1", "good 3"), server.remaining());
            assertEquals(List.of("good 2"), server.removed());
            assertEquals(List.of("good 2"), server.deleRequested());
            assertEquals("USER bob\r\n", server.commands().get(0), "commands are recorded as received");
            try (Raw again = Raw.login(server)) {
                assertEquals(List.of("1 uid-1", "2 uid-3"), again.multiLine("UIDL"));
            }
        }
    }

    @Test
    void statShouldLieWhileListTellsTheTruth() throws Exception {
        try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.goodMessages(Fault.STAT_HUGE, 2));
             Raw c = Raw.login(server)) {
            assertTrue(c.command("STAT").startsWith("+OK 2147483647 "));
            assertEquals(2, c.multiLine("LIST").size());
        }
    }

    @Test
    void anEndlessGreetingShouldNeverEndItsLineAndCountWhatTheClientRead() throws Exception {
        try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.goodMessages(Fault.ENDLESS_GREETING, 1))) {
            try (Raw c = Raw.connect(server)) {
                byte[] first = c.in.readNBytes(1 << 20);
                assertTrue(new String(first, StandardCharsets.ISO_8859_1).startsWith("+OK aaaa"));
                assertFalse(new String(first, StandardCharsets.ISO_8859_1).contains("\n"), "no line end in 1 MiB");
            }
            Eventually.await("the server notices the hang-up", java.time.Duration.ofSeconds(10),
                    () -> server.longestReply() < HostilePop3Server.ENDLESS_CAP && server.longestReply() >= 1 << 20);
            server.heal();
            try (Raw healed = Raw.connect(server)) {
                assertTrue(healed.line().startsWith("+OK hostile POP3 ready"));
            }
        }
    }

    @Test
    void anEndlessUidlListingShouldGoOnPastTheRealMessages() throws Exception {
        try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.goodMessages(Fault.ENDLESS_UIDL, 2));
             Raw c = Raw.login(server)) {
            c.send("UIDL");
            assertEquals("+OK", c.line());
            assertEquals("1 uid-1", c.line());
            assertEquals("2 uid-2", c.line());
            for (int i = 3; i < 10_000; i++) {
                assertEquals(i + " uid-" + i, c.line());
            }
        }
    }

    @Test
    void deleAnsweredErrAndADropAtQuitShouldDeleteNothingUntilHealed() throws Exception {
        for (Fault fault : new Fault[] {Fault.DELE_ERR, Fault.DROP_AT_QUIT}) {
            try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.goodMessages(fault, 2))) {
                try (Raw c = Raw.login(server)) {
                    String dele = c.command("DELE 1");
                    assertEquals(fault == Fault.DELE_ERR, dele.startsWith("-ERR"), dele);
                    c.send("QUIT");
                    if (fault == Fault.DROP_AT_QUIT) {
                        assertEquals(-1, c.in.read(), "QUIT gets no answer");
                    } else {
                        assertTrue(c.line().startsWith("+OK"));
                    }
                }
                assertEquals(List.of("good 1", "good 2"), server.remaining(), fault.name());
                assertEquals(List.of("good 1"), server.deleRequested());
                server.heal();
                try (Raw c = Raw.login(server)) {
                    c.command("DELE 1");
                    assertTrue(c.command("QUIT").startsWith("+OK"));
                }
                assertEquals(List.of("good 2"), server.remaining());
            }
        }
    }

    @Test
    void temporaryLoginFailuresShouldCarryTheirResponseCodes() throws Exception {
        try (HostilePop3Server inUse = new HostilePop3Server(Pop3Scenario.goodMessages(Fault.LOGIN_IN_USE, 1));
             HostilePop3Server sysTemp = new HostilePop3Server(Pop3Scenario.goodMessages(Fault.LOGIN_SYS_TEMP, 1));
             Raw a = Raw.connect(inUse); Raw b = Raw.connect(sysTemp)) {
            a.line();
            b.line();
            a.command("USER bob");
            b.command("USER bob");
            assertTrue(a.command("PASS secret").startsWith("-ERR [IN-USE] "));
            assertTrue(b.command("PASS secret").startsWith("-ERR [SYS/TEMP] "));
        }
    }

    @Test
    void anUnterminatedRetrShouldNeverSendTheEndOfTheMessage() throws Exception {
        try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.of(Fault.NONE,
                Message.bad("never ends", "u1", Quirk.UNTERMINATED)));
             Raw c = Raw.login(server)) {
            c.send("RETR 1");
            c.socket.setSoTimeout(1500);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            assertThrows(SocketTimeoutException.class, () -> {
                for (int b; (b = c.in.read()) >= 0; ) {
                    got.write(b);
                }
            });
            String text = got.toString(StandardCharsets.ISO_8859_1);
            assertTrue(text.endsWith("body of never ends.\r\n"), text);
            assertFalse(text.contains("\r\n.\r\n"), text);
        }
    }

    @Test
    void aTruncatedMessageShouldEndBeforeItsListSizeAndLeaveTheRestInTheStream() throws Exception {
        Message m = Message.bad("cut short", "u1", Quirk.TRUNCATED);
        try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.of(Fault.NONE, m));
             Raw c = Raw.login(server)) {
            long listed = Long.parseLong(c.command("LIST 1").split(" ")[2]);
            List<String> lines = c.multiLine("RETR 1");
            long seen = lines.stream().mapToLong(l -> l.length() + 2).sum();
            assertEquals(m.content().length, listed);
            assertTrue(seen < listed - 20, "seen " + seen + " of " + listed);
            assertEquals("the rest, lost to the unstuffed dot", c.line(), "the rest comes as the next 'reply'");
        }
    }

    @Test
    void anInflatedMessageShouldStreamFarMoreThanItsListSize() throws Exception {
        try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.of(Fault.NONE,
                Message.bad("fat", "u1", Quirk.INFLATED)));
             Raw c = Raw.login(server)) {
            long listed = Long.parseLong(c.command("LIST 1").split(" ")[2]);
            assertTrue(listed < 200, "LIST says " + listed);
            long total = c.multiLine("RETR 1").stream().mapToLong(l -> l.length() + 2).sum();
            assertTrue(total >= HostilePop3Server.INFLATED_BYTES, "streamed " + total);
        }
    }

    @Test
    void aReusedUidlShouldAppearOnlyAfterTheSessionItArrivesAfter() throws Exception {
        try (HostilePop3Server server = new HostilePop3Server(Pop3Scenario.of(Fault.NONE,
                Message.good("A", "1"), Message.good("B", "1").arrivingAfterSession(1)))) {
            try (Raw c = Raw.login(server)) {
                assertEquals(List.of("1 1"), c.multiLine("UIDL"));
                c.command("DELE 1");
                c.command("QUIT");
            }
            server.sessionEnded(1);
            try (Raw c = Raw.login(server)) {
                assertEquals(List.of("1 1"), c.multiLine("UIDL"));
                assertTrue(String.join("\n", c.multiLine("RETR 1")).contains("Subject: B\n"));
            }
        }
    }

    @Test
    void closeShouldStopASlowLorisConnectionAndEveryServerThread() throws Exception {
        HostilePop3Server server = new HostilePop3Server(Pop3Scenario.goodMessages(Fault.SLOW_LORIS, 1));
        try (Raw c = Raw.connect(server)) {
            long t0 = System.nanoTime();
            assertEquals('+', c.in.read());
            assertEquals('O', c.in.read());
            assertTrue(System.nanoTime() - t0 > 800_000_000L, "one byte a second");
            server.close();
            assertEquals(-1, c.in.read(), "close drops the connection");
            assertEquals(List.of(), Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && t.getName().startsWith("hostile-pop3-")).map(Thread::getName).toList());
        }
    }

    /** A bare POP3 client over a socket: what a test needs to see the server's bytes as sent. */
    static final class Raw implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        private Raw(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new java.io.BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
            socket.setSoTimeout(10_000);
        }

        static Raw connect(HostilePop3Server server) throws IOException {
            return new Raw(new Socket(InetAddress.getLoopbackAddress(), server.port()));
        }

        static Raw login(HostilePop3Server server) throws IOException {
            Raw c = connect(server);
            c.line();
            c.command("USER " + HostilePop3Server.USER);
            String pass = c.command("PASS " + HostilePop3Server.PASSWORD);
            assertTrue(pass.startsWith("+OK"), pass);
            return c;
        }

        void send(String command) throws IOException {
            out.write((command + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        String command(String command) throws IOException {
            send(command);
            return line();
        }

        /** The lines of a multi-line reply after its +OK, un-stuffed, without the final ".". */
        List<String> multiLine(String command) throws IOException {
            String status = command(command);
            assertTrue(status.startsWith("+OK"), status);
            List<String> lines = new java.util.ArrayList<>();
            for (String l = line(); !l.equals("."); l = line()) {
                lines.add(l.startsWith("..") ? l.substring(1) : l);
            }
            return lines;
        }

        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new IOException("connection closed after " + b);
                }
                b.write(c);
            }
            String s = b.toString(StandardCharsets.ISO_8859_1);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
