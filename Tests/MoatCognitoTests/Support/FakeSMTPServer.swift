import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// A scripted SMTP server on 127.0.0.1 (port 0) that serves one connection and records it.
///
/// It answers the plain conversation `SMTPClient` holds (greeting, EHLO/HELO, STARTTLS, MAIL, RCPT, DATA, QUIT);
/// ``Script`` overrides replies or makes it misbehave (say nothing, send an endless line, inject bytes after its
/// `220` to `STARTTLS`).
struct FakeSMTPServer {
    /// What the server says and does.
    struct Script: Sendable {
        /// The first thing the server sends.
        var greeting = "220 fake.test ESMTP ready"
        /// EHLO keywords after the first line, in order (`STARTTLS` is added when ``tls`` is set).
        var extensions = ["PIPELINING", "SIZE 10240000", "8BITMIME"]
        /// When set, the server offers STARTTLS and upgrades with this context.
        var tls: NIOSSLContext?
        /// Replies by verb (`EHLO`, `MAIL`, `RCPT`, …), each a whole reply without its final CRLF, replacing the
        /// normal one.
        var replies: [String: String] = [:]
        /// Bytes sent straight after the `220` to `STARTTLS`, in the same write, before TLS starts.
        var afterStartTLSReply: [UInt8] = []
        /// Accept the connection and never send anything.
        var isSilent = false
        /// Send this many bytes of one line that never ends, instead of a greeting.
        var endlessLineBytes: Int?
    }

    /// What the server saw on its one connection.
    struct Transcript: Sendable {
        /// Command lines in order, without CRLF.
        var commands: [String] = []
        /// How many commands had arrived when TLS started, nil when it never did.
        var commandsBeforeTLS: Int?
        /// The bytes after `354` up to and including the terminating `.` line, exactly as sent.
        var data: [UInt8] = []
        /// What ended the connection early, if something did (a failed handshake, a reset).
        var error: String?
    }

    /// The port the server listens on.
    let port: Int
    private let session: Task<Transcript, Never>

    /// Starts a server that accepts one connection and serves it by `script`.
    static func start(_ script: Script = Script()) async throws -> FakeSMTPServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = try #require(server.channel.localAddress?.port)
        let session = Task {
            do {
                return try await server.executeThenClose { connections in
                    for try await connection in connections {
                        return await serve(connection, script: script)
                    }
                    return Transcript(error: "no connection")
                }
            } catch {
                return Transcript(error: "\(error)")
            }
        }
        return FakeSMTPServer(port: port, session: session)
    }

    /// The record of the connection, once the client has closed it.
    func transcript() async -> Transcript { await session.value }

    private static func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, script: Script) async -> Transcript {
        var transcript = Transcript()
        do {
            try await connection.executeThenClose { inbound, outbound in
                var reader = LineReader(inbound.makeAsyncIterator())
                if script.isSilent {
                    while try await reader.line() != nil {}
                    return
                }
                if let count = script.endlessLineBytes {
                    let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
                    for _ in 0..<(count / chunk.readableBytes) { try await outbound.write(chunk) }
                    while try await reader.line() != nil {}
                    return
                }
                func reply(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text + "\r\n")) }
                try await reply(script.greeting)
                while let line = try await reader.line() {
                    transcript.commands.append(line)
                    let verb = String(line.prefix { $0 != " " && $0 != ":" }).uppercased()
                    if let override = script.replies[verb] {
                        try await reply(override)
                        if verb == "QUIT" { return }
                        continue
                    }
                    switch verb {
                    case "EHLO":
                        var keywords = script.extensions
                        if script.tls != nil, transcript.commandsBeforeTLS == nil { keywords.append("STARTTLS") }
                        let lines = ["fake.test greets \(line.dropFirst(5))"] + keywords
                        try await reply(
                            lines.enumerated().map { "250\($0.offset == lines.count - 1 ? " " : "-")\($0.element)" }.joined(
                                separator: "\r\n"
                            )
                        )
                    case "HELO", "MAIL", "RCPT": try await reply("250 2.1.0 Ok")
                    case "STARTTLS" where script.tls != nil:
                        transcript.commandsBeforeTLS = transcript.commands.count
                        try await startTLS(on: connection.channel, context: script.tls!, injecting: script.afterStartTLSReply)
                    case "DATA":
                        try await reply("354 End data with <CR><LF>.<CR><LF>")
                        while let raw = try await reader.rawLine() {
                            transcript.data += raw
                            if raw == Array(".\r\n".utf8) { break }
                        }
                        try await reply("250 2.0.0 Ok: queued as FAKE1")
                    case "QUIT":
                        try await reply("221 2.0.0 Bye")
                        return
                    default: try await reply("502 5.5.2 Error: command not recognized")
                    }
                }
            }
        } catch {
            transcript.error = "\(error)"
        }
        return transcript
    }

    /// Writes the `220` (and any injected bytes) and puts TLS in front, in one event-loop turn, so the client's
    /// ClientHello cannot arrive before the TLS handler.
    private static func startTLS(on channel: any Channel, context: NIOSSLContext, injecting extra: [UInt8]) async throws {
        try await channel.eventLoop.submit {
            var reply = ByteBuffer(string: "220 2.0.0 Ready to start TLS\r\n")
            reply.writeBytes(extra)
            channel.writeAndFlush(reply, promise: nil)
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .first)
        }.get()
    }

    /// CRLF lines from the connection's inbound stream.
    private struct LineReader {
        var chunks: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var buffer: [UInt8] = []

        init(_ chunks: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.chunks = chunks }

        /// The next line with its CRLF, nil at the end of the stream.
        mutating func rawLine() async throws -> [UInt8]? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    defer { buffer.removeSubrange(...newline) }
                    return Array(buffer[...newline])
                }
                guard var chunk = try await chunks.next() else { return nil }
                buffer += chunk.readBytes(length: chunk.readableBytes) ?? []
            }
        }

        /// The next line without its CRLF, nil at the end of the stream.
        mutating func line() async throws -> String? {
            guard let raw = try await rawLine() else { return nil }
            return String(decoding: raw.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        }
    }
}

/// A self-signed certificate for `localhost`, made with the `openssl` command line in a temporary directory.
struct TestCertificate: Sendable {
    /// The PEM certificate file, also usable as a trust root.
    let certificatePath: String
    /// The PEM private key file.
    let keyPath: String

    /// One certificate for the whole test process; the error says why there is none.
    static let shared: Result<TestCertificate, TestCertificateError> = make()

    /// This process's directory for the files, removed when the process exits.
    private static let directory = FileManager.default.temporaryDirectory.appending(path: "moat-smtp-tests-\(UUID().uuidString)")

    /// A server context that presents the certificate.
    func serverContext() throws -> NIOSSLContext {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        )
        return try NIOSSLContext(configuration: configuration)
    }

    private static func make() -> Result<TestCertificate, TestCertificateError> {
        let candidates =
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/openssl" }
            + ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
        guard let openssl = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return .failure(TestCertificateError(reason: "the `openssl` command was not found on PATH; the STARTTLS tests need it"))
        }
        let directory = Self.directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            return .failure(TestCertificateError(reason: "could not make \(directory.path): \(error)"))
        }
        atexit { try? FileManager.default.removeItem(at: TestCertificate.directory) }
        let certificate = directory.appending(path: "cert.pem").path
        let key = directory.appending(path: "key.pem").path
        let process = Process()
        process.executableURL = URL(filePath: openssl)
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", certificate,
        ]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .failure(TestCertificateError(reason: "could not run \(openssl): \(error)"))
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(TestCertificateError(reason: "\(openssl) req failed (\(process.terminationStatus)): \(message)"))
        }
        return .success(TestCertificate(certificatePath: certificate, keyPath: key))
    }
}

/// Why no test certificate could be made.
struct TestCertificateError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "No test certificate: \(reason)" }
}
