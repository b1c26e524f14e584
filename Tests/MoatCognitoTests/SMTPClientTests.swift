import Foundation
import MoatCognito
import NIOCore
import NIOPosix
import NIOSSL
import Testing

@Suite struct SMTPClientTests {
    static let from = "no-reply@moat.test"
    static let to = "alice@example.test"

    /// A client for a fake server on 127.0.0.1. The timeouts are generous: the whole package's tests run at once, and a
    /// busy machine can keep the fake server from answering for seconds; the timeout test sets its own.
    static func client(
        port: Int,
        host: String = "127.0.0.1",
        tlsMode: SMTPConfiguration.TLSMode = .startTLSWhenOffered,
        trustRoots: String? = nil,
        verifiesCertificate: Bool = true,
        replyTimeout: Duration = .seconds(60)
    ) -> SMTPClient {
        SMTPClient(
            configuration: SMTPConfiguration(
                host: host,
                port: port,
                tlsMode: tlsMode,
                verifiesCertificate: verifiesCertificate,
                additionalTrustRootsPath: trustRoots,
                connectTimeout: .seconds(60),
                replyTimeout: replyTimeout
            )
        )
    }

    /// The error `body` throws, which must be an `SMTPError`.
    static func smtpError(_ body: () async throws -> Void) async -> SMTPError? {
        do {
            try await body()
            Issue.record("expected an SMTPError")
            return nil
        } catch let error as SMTPError {
            return error
        } catch {
            Issue.record("expected an SMTPError, got \(error)")
            return nil
        }
    }

    static func certificate() throws -> TestCertificate {
        switch TestCertificate.shared {
        case .success(let certificate): return certificate
        case .failure(let error):
            Issue.record("\(error)")
            throw error
        }
    }

    // MARK: Delivery

    /// The whole conversation, and the DATA section byte for byte: CRLF everywhere, dots doubled at line starts,
    /// a final CRLF added before the terminating dot.
    @Test func deliversAndDotStuffs() async throws {
        let server = try await FakeSMTPServer.start()
        let message = "Subject: dots\r\n\r\n.hidden line\r\nbare LF\n..two dots\r\nlone CR\rend"
        try await Self.client(port: server.port).send(data: Array(message.utf8), from: Self.from, to: Self.to)
        let transcript = await server.transcript()
        #expect(
            transcript.commands == [
                "EHLO moat.localhost", "MAIL FROM:<no-reply@moat.test>", "RCPT TO:<alice@example.test>", "DATA", "QUIT",
            ]
        )
        let expected = "Subject: dots\r\n\r\n..hidden line\r\nbare LF\r\n...two dots\r\nlone CR\r\nend\r\n.\r\n"
        #expect(String(decoding: transcript.data, as: UTF8.self) == expected)
        #expect(transcript.commandsBeforeTLS == nil)
        #expect(transcript.error == nil)
    }

    /// `send(_:)` renders the message with a fresh Message-ID on the EHLO name; the server gets it whole.
    @Test func sendsARenderedMessage() async throws {
        let server = try await FakeSMTPServer.start()
        let body = "Your code is 123456\n.\nBye"
        let message = try MailMessage(from: Self.from, to: Self.to, subject: "Your code", body: body)
        try await Self.client(port: server.port).send(message)
        let data = String(decoding: await server.transcript().data, as: UTF8.self)
        #expect(data.hasSuffix("\r\n.\r\n"))
        let parts = data.dropLast(3).components(separatedBy: "\r\n\r\n")
        try #require(parts.count == 2)
        let headers = parts[0].components(separatedBy: "\r\n")
        #expect(headers.contains("From: no-reply@moat.test"))
        #expect(headers.contains("To: alice@example.test"))
        #expect(headers.contains("Subject: Your code"))
        #expect(headers.contains("Content-Type: text/plain; charset=UTF-8"))
        let messageId = try #require(headers.first { $0.hasPrefix("Message-ID: <") })
        #expect(messageId.hasSuffix("@moat.localhost>") && messageId.count == "Message-ID: <@moat.localhost>".count + 32)
        let decoded = try #require(Data(base64Encoded: parts[1].replacingOccurrences(of: "\r\n", with: "")))
        #expect(String(decoding: decoded, as: UTF8.self) == "Your code is 123456\r\n.\r\nBye")
    }

    /// A server that answers EHLO with 502 gets HELO.
    @Test func fallsBackToHELO() async throws {
        let server = try await FakeSMTPServer.start(.init(replies: ["EHLO": "502 5.5.2 Error: command not recognized"]))
        try await Self.client(port: server.port).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        #expect(
            Array(await server.transcript().commands.prefix(3)) == [
                "EHLO moat.localhost", "HELO moat.localhost", "MAIL FROM:<no-reply@moat.test>",
            ]
        )
    }

    // MARK: STARTTLS

    /// With the self-signed certificate trusted, the client upgrades, says EHLO again, and sends everything else
    /// over TLS.
    @Test func upgradesWithSTARTTLS() async throws {
        let certificate = try Self.certificate()
        let server = try await FakeSMTPServer.start(.init(tls: try certificate.serverContext()))
        let client = Self.client(port: server.port, host: "localhost", tlsMode: .requireStartTLS, trustRoots: certificate.certificatePath)
        try await client.send(data: Array("Subject: tls\r\n\r\nhello\r\n".utf8), from: Self.from, to: Self.to)
        let transcript = await server.transcript()
        #expect(
            transcript.commands == [
                "EHLO moat.localhost", "STARTTLS", "EHLO moat.localhost", "MAIL FROM:<no-reply@moat.test>",
                "RCPT TO:<alice@example.test>", "DATA", "QUIT",
            ]
        )
        #expect(transcript.commandsBeforeTLS == 2)
        #expect(transcript.data == Array("Subject: tls\r\n\r\nhello\r\n.\r\n".utf8))
    }

    /// The certificate is not in the system's roots: the handshake fails and nothing is sent.
    @Test func refusesAnUntrustedCertificate() async throws {
        let certificate = try Self.certificate()
        let server = try await FakeSMTPServer.start(.init(tls: try certificate.serverContext()))
        let error = await Self.smtpError {
            try await Self.client(port: server.port, host: "localhost").send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .tlsFailed)
        #expect(error?.description.hasPrefix("TLS with the SMTP server failed: ") == true)
        let transcript = await server.transcript()
        #expect(transcript.commands == ["EHLO moat.localhost", "STARTTLS"])
    }

    /// A trusted certificate for `localhost` does not do for a connection to `127.0.0.1`.
    @Test func refusesACertificateForAnotherName() async throws {
        let certificate = try Self.certificate()
        let server = try await FakeSMTPServer.start(.init(tls: try certificate.serverContext()))
        let error = await Self.smtpError {
            try await Self.client(port: server.port, trustRoots: certificate.certificatePath)
                .send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .tlsFailed)
        #expect(await server.transcript().commands == ["EHLO moat.localhost", "STARTTLS"])
    }

    /// With verification off (test relays only), the untrusted certificate is accepted.
    @Test func acceptsAnyCertificateWhenNotVerifying() async throws {
        let certificate = try Self.certificate()
        let server = try await FakeSMTPServer.start(.init(tls: try certificate.serverContext()))
        try await Self.client(port: server.port, verifiesCertificate: false).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        #expect(await server.transcript().commandsBeforeTLS == 2)
    }

    /// `.none` delivers in plain text even when STARTTLS is offered.
    @Test func tlsModeNoneIgnoresSTARTTLS() async throws {
        let certificate = try Self.certificate()
        let server = try await FakeSMTPServer.start(.init(tls: try certificate.serverContext()))
        try await Self.client(port: server.port, tlsMode: .none).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        let transcript = await server.transcript()
        #expect(transcript.commandsBeforeTLS == nil)
        #expect(transcript.commands.first { $0 == "STARTTLS" } == nil)
    }

    @Test func requireStartTLSRefusesAServerWithoutIt() async throws {
        let server = try await FakeSMTPServer.start()
        let error = await Self.smtpError {
            try await Self.client(port: server.port, tlsMode: .requireStartTLS).send(
                data: Array("x\r\n".utf8),
                from: Self.from,
                to: Self.to
            )
        }
        #expect(error == .startTLSNotOffered)
        #expect(await server.transcript().commands == ["EHLO moat.localhost", "QUIT"])
    }

    /// Bytes the server sends after its `220` to STARTTLS would be read as if they had come over TLS (the
    /// STARTTLS response injection of CVE-2011-0411's kind): refused.
    @Test func refusesDataInjectedAfterSTARTTLS() async throws {
        let certificate = try Self.certificate()
        let script = FakeSMTPServer.Script(tls: try certificate.serverContext(), afterStartTLSReply: Array("250-injected\r\n".utf8))
        let server = try await FakeSMTPServer.start(script)
        let error = await Self.smtpError {
            try await Self.client(port: server.port, host: "localhost", trustRoots: certificate.certificatePath)
                .send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .unsolicitedData(command: .ehlo))
        #expect(await server.transcript().commands.contains { $0.hasPrefix("MAIL") } == false)
    }

    // MARK: Refusals and misbehaving servers

    @Test func rcptRefusalNamesCommandAndReply() async throws {
        let server = try await FakeSMTPServer.start(.init(replies: ["RCPT": "550 5.1.1 <alice@example.test>: Recipient address rejected"]))
        let error = await Self.smtpError {
            try await Self.client(port: server.port).send(data: Array("secret body\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .unexpectedReply(command: .rcptTo, code: 550, text: "5.1.1 <alice@example.test>: Recipient address rejected"))
        #expect(error?.replyCode == 550)
        #expect(error?.description == "The SMTP server answered RCPT TO with 550 5.1.1 <alice@example.test>: Recipient address rejected")
        #expect(error?.description.contains("secret") == false)
        #expect(
            await server.transcript().commands == [
                "EHLO moat.localhost", "MAIL FROM:<no-reply@moat.test>", "RCPT TO:<alice@example.test>", "QUIT",
            ]
        )
    }

    /// A multi-line refusal keeps every line's text.
    @Test func multiLineRefusal() async throws {
        let server = try await FakeSMTPServer.start(.init(replies: ["MAIL": "451-4.3.0 Try again\r\n451 4.3.0 later"]))
        let error = await Self.smtpError {
            try await Self.client(port: server.port).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .unexpectedReply(command: .mailFrom, code: 451, text: "4.3.0 Try again 4.3.0 later"))
    }

    @Test func greetingRefusal() async throws {
        let server = try await FakeSMTPServer.start(.init(greeting: "554 5.3.2 No service"))
        let error = await Self.smtpError {
            try await Self.client(port: server.port).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .unexpectedReply(command: .greeting, code: 554, text: "5.3.2 No service"))
    }

    @Test func silentServerTimesOut() async throws {
        let server = try await FakeSMTPServer.start(.init(isSilent: true))
        let error = await Self.smtpError {
            try await Self.client(port: server.port, replyTimeout: .milliseconds(200)).send(
                data: Array("x\r\n".utf8),
                from: Self.from,
                to: Self.to
            )
        }
        #expect(error == .timeout(command: .greeting))
        #expect(await server.transcript().commands.isEmpty)
    }

    /// A 10 MB line ends after 4 KiB, not after buffering it.
    @Test func endlessLineIsBounded() async throws {
        let server = try await FakeSMTPServer.start(.init(endlessLineBytes: 10 * 1024 * 1024))
        let error = await Self.smtpError {
            try await Self.client(port: server.port).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .replyLineTooLong(command: .greeting))
        _ = await server.transcript()
    }

    @Test func tooManyReplyLines() async throws {
        let server = try await FakeSMTPServer.start(.init(extensions: (1...100).map { "X-EXTENSION-\($0)" }))
        let error = await Self.smtpError {
            try await Self.client(port: server.port).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .tooManyReplyLines(command: .ehlo))
    }

    @Test(arguments: ["hello", "25", "2500 x", "220+ok", "620 ok", "220-ok\r\n221 mixed codes"])
    func malformedGreeting(greeting: String) async throws {
        let server = try await FakeSMTPServer.start(.init(greeting: greeting))
        let error = await Self.smtpError {
            try await Self.client(port: server.port).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .malformedReply(command: .greeting))
    }

    @Test func connectionRefused() async throws {
        // A port that was just free: bind, note it, close.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close().get()
        let error = await Self.smtpError {
            try await Self.client(port: port).send(data: Array("x\r\n".utf8), from: Self.from, to: Self.to)
        }
        #expect(error == .connectFailed)
    }

    @Test func unreadableTrustRoots() async throws {
        let error = await Self.smtpError {
            try await Self.client(port: 25, trustRoots: "/nonexistent/roots.pem").send(
                data: Array("x\r\n".utf8),
                from: Self.from,
                to: Self.to
            )
        }
        #expect(error == .unreadableTrustRoots(path: "/nonexistent/roots.pem"))
    }

    // MARK: Header injection

    @Test(arguments: [
        "a@x.test\r\nBcc: evil@x.test", "a@x.test\n", "a@x.test\r", "<a@x.test>", "a b@x.test", "a@x.test> SIZE=1", "ä@x.test",
        "a@", "@x.test", "a..b@x.test", "a@x..test", "a@-x.test", "",
    ])
    func refusesInvalidAddresses(address: String) async throws {
        #expect(throws: MailMessageError.invalidAddress(field: "From")) {
            try MailMessage(from: address, to: Self.to, subject: "s", body: "b")
        }
        #expect(throws: MailMessageError.invalidAddress(field: "To")) {
            try MailMessage(from: Self.from, to: address, subject: "s", body: "b")
        }
        // The raw path checks the envelope before connecting (port 9 is never contacted).
        let error = await Self.smtpError { try await Self.client(port: 9).send(data: [], from: Self.from, to: address) }
        #expect(error == .invalidMessage(.invalidAddress(field: "To")))
    }

    @Test(arguments: ["Hi\r\nBcc: evil@x.test", "Hi\nthere", "Hi\rthere", "nul\u{0}", "del\u{7F}"])
    func refusesSubjectsWithLineBreaks(subject: String) {
        #expect(throws: MailMessageError.invalidSubject) {
            try MailMessage(from: Self.from, to: Self.to, subject: subject, body: "b")
        }
    }

    @Test(arguments: ["id\r\n@x", "no-at", "a@b@c", "<a@b>", "a b@c", "@x", "a@"])
    func refusesInvalidMessageIds(messageId: String) throws {
        let message = try MailMessage(from: Self.from, to: Self.to, subject: "s", body: "b")
        #expect(throws: MailMessageError.invalidMessageId) { try message.render(messageId: messageId, date: Date()) }
    }

    @Test func acceptsUsualAddresses() throws {
        for address in ["a@x", "first.last+tag@mail.example.co.uk", "o'brien@x-y.test", "#!$%&*/=?^_`{|}~-@x.test"] {
            #expect(throws: Never.self) { try MailMessage(from: address, to: address, subject: "", body: "") }
        }
    }

    // MARK: Rendering

    @Test func rendersRFC5322() throws {
        let message = try MailMessage(from: Self.from, to: Self.to, subject: "Your code", body: "Your code is 123456\n.\nBye")
        let rendered = try message.render(messageId: "abc123@moat.localhost", date: Date(timeIntervalSince1970: 1_771_059_907.9))
        let expected =
            "From: no-reply@moat.test\r\nTo: alice@example.test\r\nSubject: Your code\r\n"
            + "Date: Sat, 14 Feb 2026 09:05:07 +0000\r\nMessage-ID: <abc123@moat.localhost>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + "WW91ciBjb2RlIGlzIDEyMzQ1Ng0KLg0KQnll\r\n"
        #expect(String(decoding: rendered, as: UTF8.self) == expected)
    }

    @Test func rendersHTMLAndWrapsBase64At76() throws {
        let body = "<p>" + String(repeating: "é", count: 200) + "</p>"
        let message = try MailMessage(from: Self.from, to: Self.to, subject: "s", body: body, isHTML: true)
        let text = String(decoding: try message.render(messageId: "a@b", date: Date(timeIntervalSince1970: 0)), as: UTF8.self)
        #expect(text.contains("\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(text.contains("\r\nContent-Type: text/html; charset=UTF-8\r\n"))
        let bodyLines = try #require(text.components(separatedBy: "\r\n\r\n").last).components(separatedBy: "\r\n")
        #expect(bodyLines.last == "")
        #expect(bodyLines.dropLast().allSatisfy { $0.count <= 76 } && bodyLines[0].count == 76)
        let decoded = try #require(Data(base64Encoded: bodyLines.joined()))
        #expect(String(decoding: decoded, as: UTF8.self) == body)
    }

    /// Non-ASCII subjects become RFC 2047 B-encoded words; long ones are folded into several words, none
    /// splitting a character, every line within 78 columns.
    @Test(arguments: [
        "Vérifiez votre compte",
        "Código de verificación 🎉 " + String(repeating: "ñandú ", count: 20),
        String(repeating: "long ascii subject ", count: 6),
        "=?UTF-8?B?looks-encoded?=",
    ])
    func encodesSubjects(subject: String) throws {
        let message = try MailMessage(from: Self.from, to: Self.to, subject: subject, body: "")
        let text = String(decoding: try message.render(messageId: "a@b", date: Date()), as: UTF8.self)
        let start = try #require(text.range(of: "\r\nSubject: "))
        let end = try #require(text.range(of: "\r\nDate: "))
        let header = String(text[start.upperBound..<end.lowerBound])
        let lines = header.components(separatedBy: "\r\n")
        #expect(("Subject: " + lines[0]).utf8.count <= 78 && lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        let words = lines.enumerated().map { $0.offset == 0 ? $0.element : String($0.element.dropFirst()) }
        var decoded = ""
        for word in words {
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            decoded += try #require(String(data: payload, encoding: .utf8), "each word holds whole characters")
        }
        #expect(decoded == subject)
    }

    @Test func vérifiezEncodesToTheKnownWord() throws {
        let message = try MailMessage(from: Self.from, to: Self.to, subject: "Vérifiez votre compte", body: "")
        let text = String(decoding: try message.render(messageId: "a@b", date: Date()), as: UTF8.self)
        #expect(text.contains("\r\nSubject: =?UTF-8?B?VsOpcmlmaWV6IHZvdHJlIGNvbXB0ZQ==?=\r\n"))
    }

    // MARK: Configuration

    @Test(arguments: [
        ("localhost:25", "localhost", 25), ("127.0.0.1:2525", "127.0.0.1", 2525), ("[::1]:25", "::1", 25),
        ("mail.example.com:587", "mail.example.com", 587), ("[2001:db8::1]:465", "2001:db8::1", 465),
        ("smtp_relay:65535", "smtp_relay", 65535),
    ])
    func parsesHostPort(value: String, host: String, port: Int) throws {
        let configuration = try SMTPConfiguration(hostPort: value)
        #expect(configuration.host == host)
        #expect(configuration.port == port)
        #expect(configuration == SMTPConfiguration(host: host, port: port))
        #expect(configuration.heloName == "moat.localhost")
        #expect(configuration.tlsMode == .startTLSWhenOffered)
        #expect(configuration.verifiesCertificate)
        #expect(configuration.connectTimeout == .seconds(10) && configuration.replyTimeout == .seconds(30))
    }

    @Test(arguments: [
        "", "localhost", "localhost:", ":25", "localhost:0", "localhost:65536", "localhost:25x", "localhost:+25",
        "localhost:-1", "localhost:0000025", "::1:25", "[::1]25", "[::1]:", "[localhost]:25", "[127.0.0.1]:25",
        "smtp://host:25", "host :25", "host:25 ", "host..x:25", "host/x:25", "[::1:25",
    ])
    func refusesJunkHostPort(value: String) {
        #expect(throws: SMTPError.invalidHostPort(value)) { try SMTPConfiguration(hostPort: value) }
    }

    @Test func invalidHeloNameIsRefused() async throws {
        var configuration = SMTPConfiguration(host: "127.0.0.1", port: 9)
        configuration.heloName = "moat\r\nMAIL FROM:<x@y>"
        let message = try MailMessage(from: Self.from, to: Self.to, subject: "s", body: "b")
        let error = await Self.smtpError { try await SMTPClient(configuration: configuration).send(message) }
        #expect(error == .invalidHeloName)
    }

    // MARK: Descriptions

    @Test func everyErrorDescribesItself() {
        let errors: [(SMTPError, String)] = [
            (.invalidHostPort("x"), "MOAT_SMTP is not host:port or [ipv6]:port: \"x\""),
            (.invalidHeloName, "The EHLO name is not a host name or an address literal"),
            (
                .invalidMessage(.invalidSubject),
                "The message was refused before sending: The subject contains a line break or another control character"
            ),
            (.unreadableTrustRoots(path: "/r.pem"), "The SMTP trust roots file /r.pem does not load as PEM certificates"),
            (.connectFailed, "Could not connect to the SMTP server"),
            (.connectionClosed(command: .data), "The SMTP server closed the connection while a reply to DATA was due"),
            (.connectionLost(command: .mailFrom), "The connection to the SMTP server failed during MAIL FROM"),
            (.timeout(command: .endOfData), "The SMTP server did not answer end of data in time"),
            (
                .unexpectedReply(command: .startTLS, code: 454, text: "TLS not available"),
                "The SMTP server answered STARTTLS with 454 TLS not available"
            ),
            (.startTLSNotOffered, "The SMTP server does not offer STARTTLS, which the configuration requires"),
            (.tlsFailed, "TLS with the SMTP server failed"),
            (.replyLineTooLong(command: .greeting), "A line of the SMTP server's reply to greeting is longer than 4 KiB"),
            (.tooManyReplyLines(command: .ehlo), "The SMTP server's reply to EHLO has more than 64 lines"),
            (.malformedReply(command: .helo), "The SMTP server's reply to HELO is malformed"),
            (.unsolicitedData(command: .quit), "The SMTP server sent data when no reply was due (noticed at QUIT)"),
        ]
        for (error, description) in errors { #expect(error.description == description) }
        #expect(MailMessageError.invalidAddress(field: "To").description == "The To address is not a valid e-mail address")
        #expect(MailMessageError.invalidMessageId.description == "The Message-ID is not a valid message id")
        #expect(
            SMTPError.unexpectedReply(command: .rcptTo, code: 550, text: "a") != .unexpectedReply(command: .rcptTo, code: 551, text: "a")
        )
    }
}
