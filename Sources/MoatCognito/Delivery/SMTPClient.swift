import Foundation
import MoatCore
package import NIOCore
import NIOPosix
import NIOSSL

/// Where and how ``SMTPClient`` delivers mail: the relay, the name Moat gives itself, TLS and timeouts.
package struct SMTPConfiguration: Sendable, Equatable {
    /// Whether to upgrade the connection with STARTTLS (RFC 3207).
    package enum TLSMode: Sendable, Equatable {
        /// Upgrade when the server's EHLO reply offers STARTTLS; deliver in plain text otherwise.
        case startTLSWhenOffered
        /// Upgrade, and refuse to deliver to a server that does not offer STARTTLS.
        case requireStartTLS
        /// Never upgrade, even when offered.
        case none
    }

    /// The relay's host name or IP address (IPv6 without brackets).
    package var host: String
    /// The relay's TCP port.
    package var port: Int
    /// The name sent in `EHLO`, and the right-hand side of generated `Message-ID`s.
    package var heloName: String
    /// When to use STARTTLS.
    package var tlsMode: TLSMode
    /// Whether to verify the server's certificate chain and that it names ``host``. Off only for test relays.
    package var verifiesCertificate: Bool
    /// A PEM file of certificates trusted in addition to the system's roots (a test relay's self-signed
    /// certificate, a company CA).
    package var additionalTrustRootsPath: String?
    /// How long the TCP connection may take.
    package var connectTimeout: Duration
    /// How long each reply of the server may take, from the command (or the connection, for the greeting).
    package var replyTimeout: Duration

    /// A configuration; only `host` and `port` have no default.
    /// - Parameters:
    ///   - host: the relay's host name or IP address (IPv6 without brackets).
    ///   - port: the relay's TCP port.
    ///   - heloName: the name sent in `EHLO`.
    ///   - tlsMode: when to use STARTTLS.
    ///   - verifiesCertificate: whether to verify the server's certificate and host name.
    ///   - additionalTrustRootsPath: a PEM file of extra trusted certificates.
    ///   - connectTimeout: the limit on connecting.
    ///   - replyTimeout: the limit on each reply.
    package init(
        host: String,
        port: Int,
        heloName: String = "moat.localhost",
        tlsMode: TLSMode = .startTLSWhenOffered,
        verifiesCertificate: Bool = true,
        additionalTrustRootsPath: String? = nil,
        connectTimeout: Duration = .seconds(10),
        replyTimeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.heloName = heloName
        self.tlsMode = tlsMode
        self.verifiesCertificate = verifiesCertificate
        self.additionalTrustRootsPath = additionalTrustRootsPath
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
    }

    /// The relay named by `MOAT_SMTP`: `host:port`, or `[ipv6]:port`; every other setting at its default.
    ///
    /// The port is required (1–65535, digits only). The host is a name of letters, digits, `-`, `_` and dots, an
    /// IPv4 address, or an IPv6 address in brackets; anything else (spaces, a scheme, a path, an unbracketed IPv6
    /// address) is refused rather than guessed at.
    /// - Parameter hostPort: the environment value.
    /// - Throws: ``SMTPError/invalidHostPort(_:)``.
    package init(hostPort: String) throws(SMTPError) {
        let host: Substring
        let portText: Substring
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]"), hostPort[close...].hasPrefix("]:") else { throw .invalidHostPort(hostPort) }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            portText = hostPort[hostPort.index(close, offsetBy: 2)...]
            guard host.contains(":"), (try? SocketAddress(ipAddress: String(host), port: 0)) != nil else {
                throw .invalidHostPort(hostPort)
            }
        } else {
            let parts = hostPort.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, Self.isHostName(parts[0]) else { throw .invalidHostPort(hostPort) }
            host = parts[0]
            portText = parts[1]
        }
        guard (1...5).contains(portText.utf8.count), portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let port = Int(portText), (1...65_535).contains(port)
        else { throw .invalidHostPort(hostPort) }
        self.init(host: String(host), port: port)
    }

    /// Dot-separated non-empty labels of letters, digits, `-` and `_`.
    private static func isHostName(_ text: Substring) -> Bool {
        text.utf8.count <= 253
            && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                !label.isEmpty
                    && label.utf8.allSatisfy { byte in
                        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                    }
            }
    }

    /// Whether ``heloName`` can be sent: a host name, or an address literal such as `[127.0.0.1]`.
    var isValidHeloName: Bool {
        if heloName.hasPrefix("["), heloName.hasSuffix("]") {
            return heloName.utf8.count > 2
                && heloName.utf8.dropFirst().dropLast().allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x5B && $0 != 0x5D }
        }
        return Self.isHostName(heloName[...])
    }
}

/// Delivers ``MailMessage``s to one SMTP relay (RFC 5321), upgrading to TLS with STARTTLS (RFC 3207).
///
/// Each ``send(_:)`` opens a connection, delivers one message to its one recipient and closes the connection on
/// every path. The conversation is the plain one, one command at a time (no PIPELINING, no AUTH):
///
///     ← 220 greeting            → EHLO heloName   ← 250
///     [→ STARTTLS ← 220, TLS handshake, → EHLO ← 250]
///     → MAIL FROM:<from> ← 250  → RCPT TO:<to> ← 250/251  → DATA ← 354
///     → message, dot-stuffed, CRLF.CRLF ← 250   → QUIT ← 221
///
/// Every reply has ``SMTPConfiguration/replyTimeout``; a reply line is at most 4 KiB and a reply at most 64 lines,
/// so a relay cannot make the client wait or buffer without bound. A relay that sends anything while no reply is
/// due (such as bytes after its `220` to `STARTTLS`, which would otherwise be read as if they came over TLS) is
/// refused.
package struct SMTPClient: Sendable {
    /// The longest reply line accepted, without its CRLF.
    static let maximumLineLength = 4096
    /// The most lines one reply may have.
    static let maximumReplyLines = 64

    /// The relay and its settings.
    package let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup

    /// A client for one relay.
    /// - Parameters:
    ///   - configuration: the relay and its settings.
    ///   - eventLoopGroup: where connections run.
    package init(configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
    }

    /// Delivers `message` with a fresh `Message-ID` (`<random hex@heloName>`) and the current time as its `Date`.
    /// - Parameter message: the message.
    /// - Throws: ``SMTPError``; its description names the command and the server's reply, never the message.
    package func send(_ message: MailMessage) async throws(SMTPError) {
        guard configuration.isValidHeloName else { throw .invalidHeloName }
        let messageId = Hex.lowercase(SecureRandom.bytes(16)) + "@" + configuration.heloName
        let data: [UInt8]
        do {
            data = try message.render(messageId: messageId, date: Date())
        } catch {
            throw .invalidMessage(error)
        }
        try await send(data: data, from: message.from, to: message.to)
    }

    /// Delivers a message that is already in RFC 5322 form, for messages rendered elsewhere.
    ///
    /// Line endings become CRLF and lines starting with `.` get a second one (RFC 5321 §4.5.2) on the way out,
    /// so `data` cannot end the `DATA` section early, whatever it holds.
    /// - Parameters:
    ///   - data: the message's headers and body.
    ///   - from: the envelope sender, `local@domain`.
    ///   - to: the envelope recipient, `local@domain`.
    /// - Throws: ``SMTPError``.
    package func send(data: [UInt8], from: String, to: String) async throws(SMTPError) {
        guard MailMessage.isValidAddress(from) else { throw .invalidMessage(.invalidAddress(field: "From")) }
        guard MailMessage.isValidAddress(to) else { throw .invalidMessage(.invalidAddress(field: "To")) }
        guard configuration.isValidHeloName else { throw .invalidHeloName }
        let tlsContext = try makeTLSContext()
        let channel = try await connect()
        do {
            try await channel.executeThenClose { inbound, outbound in
                var conversation = SMTPConversation(replies: inbound.makeAsyncIterator(), outbound: outbound)
                do {
                    try await deliver(data: data, from: from, to: to, over: &conversation, channel: channel.channel, tlsContext: tlsContext)
                } catch let error as SMTPError {
                    // The server refused something but the conversation is intact: end it politely.
                    if error.isReplyError { _ = try? await conversation.command("QUIT", .quit, expecting: [221]) }
                    throw error
                }
            }
        } catch let error as SMTPError {
            throw error
        } catch {
            // The body throws only SMTPError; closing a channel does not throw.
            throw .connectionLost(command: .quit, cause: error)
        }
    }

    /// The conversation from the greeting to `QUIT`.
    private func deliver(
        data: [UInt8],
        from: String,
        to: String,
        over conversation: inout SMTPConversation,
        channel: any Channel,
        tlsContext: NIOSSLContext?
    ) async throws(SMTPError) {
        try await conversation.reply(to: .greeting, expecting: [220])
        let extensions = try await conversation.hello(configuration.heloName)
        if let tlsContext, extensions.contains("STARTTLS") {
            try await conversation.command("STARTTLS", .startTLS, expecting: [220])
            try await startTLS(on: channel, context: tlsContext)
            // RFC 3207 §4.2: what the server said before TLS no longer counts; a plain delivery needs no extension.
            _ = try await conversation.hello(configuration.heloName)
        } else if configuration.tlsMode == .requireStartTLS {
            throw .startTLSNotOffered
        }
        try await conversation.command("MAIL FROM:<\(from)>", .mailFrom, expecting: [250])
        try await conversation.command("RCPT TO:<\(to)>", .rcptTo, expecting: [250, 251])
        try await conversation.command("DATA", .data, expecting: [354])
        try await conversation.send(Self.dataSection(data), as: .endOfData, expecting: [250])
        // The message is accepted: a relay that fumbles the goodbye does not make the delivery fail.
        _ = try? await conversation.command("QUIT", .quit, expecting: [221])
    }

    /// The TLS client context, or nil when ``SMTPConfiguration/TLSMode/none``.
    private func makeTLSContext() throws(SMTPError) -> NIOSSLContext? {
        guard configuration.tlsMode != .none else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = configuration.verifiesCertificate ? .fullVerification : .none
        if let path = configuration.additionalTrustRootsPath {
            do {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(path))]
            } catch {
                throw .unreadableTrustRoots(path: path, cause: error)
            }
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .tlsFailed(cause: error)
        }
    }

    /// A TCP connection to the relay with the reply decoder in its pipeline.
    private func connect() async throws(SMTPError) -> NIOAsyncChannel<SMTPReply, ByteBuffer> {
        let replyTimeout = TimeAmount(configuration.replyTimeout)
        do {
            return try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            SMTPReplyHandler(
                                replyTimeout: replyTimeout,
                                maximumLineLength: Self.maximumLineLength,
                                maximumReplyLines: Self.maximumReplyLines
                            )
                        )
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .connectFailed(cause: error)
        }
    }

    /// Puts TLS in front of the reply decoder, after the server's `220` to `STARTTLS`. The reply decoder has
    /// checked that nothing followed that reply, so every byte from here on goes through TLS. The handshake runs
    /// at once; the next command waits in the TLS handler until it is done, and a failed handshake surfaces as
    /// the error of that command's reply.
    private func startTLS(on channel: any Channel, context: NIOSSLContext) async throws(SMTPError) {
        // SNI and the certificate check take a host name; for an IP address NIOSSL checks the certificate's IP
        // addresses against the peer's address instead.
        let isAddress = (try? SocketAddress(ipAddress: configuration.host, port: 0)) != nil
        let serverHostname = isAddress ? nil : configuration.host
        do {
            try await channel.eventLoop.submit {
                // A closed channel holds its reason in the reply stream, which the next command reads.
                guard channel.isActive else { return }
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: context, serverHostname: serverHostname),
                    position: .first
                )
            }.get()
        } catch {
            throw .tlsFailed(cause: error)
        }
    }

    /// The `DATA` section of `message`: CRLF line endings, a `.` doubled at the start of every line, then the
    /// terminating `CRLF.CRLF` (a CRLF added first when the message does not end with one).
    static func dataSection(_ message: [UInt8]) -> [UInt8] {
        let dot = UInt8(ascii: ".")
        let lines = MailMessage.canonicalLineEndings(message)
        var out = [UInt8]()
        out.reserveCapacity(lines.count + lines.count / 64 + 5)
        var atLineStart = true
        for byte in lines {
            if atLineStart, byte == dot { out.append(dot) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !atLineStart { out += Array("\r\n".utf8) }
        out += Array(".\r\n".utf8)
        return out
    }
}

/// The steps of an SMTP conversation, as errors name them (the verb only, never an address).
package enum SMTPCommand: String, Sendable, Equatable {
    /// Waiting for the server's `220` after connecting.
    case greeting = "greeting"
    /// `EHLO name`.
    case ehlo = "EHLO"
    /// `HELO name`, for a server that does not know `EHLO`.
    case helo = "HELO"
    /// `STARTTLS`.
    case startTLS = "STARTTLS"
    /// `MAIL FROM:<address>`.
    case mailFrom = "MAIL FROM"
    /// `RCPT TO:<address>`.
    case rcptTo = "RCPT TO"
    /// `DATA`, answered by `354` before the message.
    case data = "DATA"
    /// The message and its terminating `.`, answered by the server's acceptance.
    case endOfData = "end of data"
    /// `QUIT`.
    case quit = "QUIT"
}

/// One client connection's command-and-reply exchange, over the async channel.
private struct SMTPConversation {
    /// The server's replies, decoded by ``SMTPReplyHandler``.
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    /// Commands and the message, as bytes.
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Sends `line` with its CRLF and reads the reply.
    @discardableResult
    mutating func command(_ line: String, _ command: SMTPCommand, expecting codes: Set<Int>) async throws(SMTPError) -> SMTPReply {
        try await send(Array((line + "\r\n").utf8), as: command, expecting: codes)
    }

    /// Sends `bytes` and reads the reply, which must have one of `codes`.
    @discardableResult
    mutating func send(_ bytes: [UInt8], as command: SMTPCommand, expecting codes: Set<Int>) async throws(SMTPError) -> SMTPReply {
        do {
            try await outbound.write(ByteBuffer(bytes: bytes))
        } catch {
            // A write fails once the channel is closed; the reply stream holds why (a TLS failure, a timeout).
            do {
                _ = try await replies.next()
            } catch {
                throw SMTPError(streamError: error, command: command)
            }
            throw .connectionLost(command: command, cause: error)
        }
        return try await reply(to: command, expecting: codes)
    }

    /// The next reply, which must have one of `codes`.
    @discardableResult
    mutating func reply(to command: SMTPCommand, expecting codes: Set<Int>) async throws(SMTPError) -> SMTPReply {
        let next: SMTPReply?
        do {
            next = try await replies.next()
        } catch {
            throw SMTPError(streamError: error, command: command)
        }
        guard let next else { throw .connectionClosed(command: command) }
        guard codes.contains(next.code) else { throw .unexpectedReply(command: command, code: next.code, text: next.text) }
        return next
    }

    /// `EHLO`, or `HELO` when the server does not know `EHLO` (RFC 5321 §3.2); the extension keywords offered,
    /// upper-cased (none after `HELO`).
    mutating func hello(_ name: String) async throws(SMTPError) -> Set<String> {
        do {
            let reply = try await command("EHLO \(name)", .ehlo, expecting: [250])
            return Set(reply.lines.dropFirst().compactMap { $0.split(separator: " ").first.map { $0.uppercased() } })
        } catch let error where error.replyCode == 500 || error.replyCode == 502 {
            try await command("HELO \(name)", .helo, expecting: [250])
            return []
        }
    }
}

/// One SMTP reply (RFC 5321 §4.2): a three-digit code and the text of each of its lines.
struct SMTPReply: Sendable, Equatable {
    /// The reply code, such as 250.
    var code: Int
    /// The text after the code on each line, without the separator.
    var lines: [String]

    /// The lines joined by spaces, for errors and logs.
    var text: String { lines.joined(separator: " ") }
}

/// Why the reply decoder stopped; ``SMTPConversation`` adds the command that was waiting.
enum SMTPReplyFailure: Error, Equatable {
    /// A line longer than the limit, or no line end within it.
    case lineTooLong
    /// A reply with more lines than the limit.
    case tooManyLines
    /// A line without a three-digit code and separator, or a code that differs from the reply's first line.
    case malformed
    /// Bytes while no reply was due.
    case unsolicited
    /// No complete reply within the reply timeout.
    case timeout
}

/// CRLF-terminated lines of at most `maximumLength` bytes (a lone LF also ends a line), without the line end.
struct SMTPLineDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// The longest line accepted, without its line end.
    let maximumLength: Int

    /// The next line; nil while it is incomplete and within the limit.
    mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > maximumLength + 1 { throw SMTPReplyFailure.lineTooLong }
            return nil
        }
        var length = newline - view.startIndex
        if length > 0, view[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
        guard length <= maximumLength else { throw SMTPReplyFailure.lineTooLong }
        let line = buffer.readSlice(length: length)
        buffer.moveReaderIndex(to: newline + 1)
        return line
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}

/// Turns the server's bytes into ``SMTPReply`` values, and watches the server.
///
/// - Multi-line replies (`250-…` lines, then `250 …`) become one reply; every line must carry the same code.
/// - A line is at most `maximumLineLength` bytes and a reply `maximumReplyLines` lines, so a server that sends an
///   endless line or an endless reply costs bounded memory.
/// - A reply is due from the connection until the greeting, and from each write until its reply. Each time one
///   becomes due, a timer of `replyTimeout` starts. Anything the server sends while no reply is due is refused:
///   the client never pipelines, so it is a broken or hostile server (bytes after `220` to `STARTTLS`).
///
/// Any failure is raised as an ``SMTPReplyFailure`` through `errorCaught`, which ends the async inbound stream with
/// it, and closes the channel.
final class SMTPReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let replyTimeout: TimeAmount
    private let maximumReplyLines: Int
    private let lines: NIOSingleStepByteToMessageProcessor<SMTPLineDecoder>
    private var replyCode: Int?
    private var replyLines: [String] = []
    private var isReplyDue = true
    private var hasFailed = false
    private var timer: Scheduled<Void>?

    /// A handler expecting the greeting.
    /// - Parameters:
    ///   - replyTimeout: how long each reply may take.
    ///   - maximumLineLength: the longest reply line, without CRLF.
    ///   - maximumReplyLines: the most lines in one reply.
    init(replyTimeout: TimeAmount, maximumLineLength: Int, maximumReplyLines: Int) {
        self.replyTimeout = replyTimeout
        self.maximumReplyLines = maximumReplyLines
        self.lines = NIOSingleStepByteToMessageProcessor(SMTPLineDecoder(maximumLength: maximumLineLength))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        if isReplyDue { startTimer(context: context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !hasFailed else { return }
        do {
            guard isReplyDue else { throw SMTPReplyFailure.unsolicited }
            try lines.process(buffer: unwrapInboundIn(data)) { line in try receive(line, context: context) }
            if !isReplyDue, lines.unprocessedBytes > 0 { throw SMTPReplyFailure.unsolicited }
        } catch {
            fail(error as? SMTPReplyFailure ?? .malformed, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        isReplyDue = true
        startTimer(context: context)
        context.write(data, promise: promise)
    }

    /// Adds one line to the reply being read; fires the reply when the line is its last.
    private func receive(_ line: ByteBuffer, context: ChannelHandlerContext) throws {
        guard isReplyDue else { throw SMTPReplyFailure.unsolicited }
        let bytes = line.readableBytesView
        let digits = bytes.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (0x30...0x39).contains($0) }),
            (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(digits.first!)
        else { throw SMTPReplyFailure.malformed }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let separator = bytes.dropFirst(3).first
        guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-"), replyCode == nil || replyCode == code
        else { throw SMTPReplyFailure.malformed }
        guard replyLines.count < maximumReplyLines else { throw SMTPReplyFailure.tooManyLines }
        replyCode = code
        replyLines.append(Self.printable(bytes.dropFirst(4)))
        guard separator != UInt8(ascii: "-") else { return }
        let reply = SMTPReply(code: code, lines: replyLines)
        replyCode = nil
        replyLines = []
        isReplyDue = false
        timer?.cancel()
        context.fireChannelRead(wrapInboundOut(reply))
    }

    /// The text of a reply line with control characters replaced, safe for logs.
    private static func printable(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }

    private func startTimer(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: replyTimeout) {
            self.fail(.timeout, context: context)
        }
    }

    private func fail(_ failure: SMTPReplyFailure, context: ChannelHandlerContext) {
        guard !hasFailed else { return }
        hasFailed = true
        timer?.cancel()
        context.fireErrorCaught(failure)
        context.close(promise: nil)
    }
}

/// Why a message was not delivered, or a configuration not accepted.
///
/// Descriptions name the SMTP command and the server's reply code and text (which the reply decoder has made
/// printable and bounded), never the message. Errors compare equal by kind and command, reply code and text; the
/// underlying NIO or TLS error of a connection or TLS failure is in the description only.
package struct SMTPError: Error, Equatable, Sendable, CustomStringConvertible {
    private enum Code: Equatable, Sendable {
        case invalidHostPort(String)
        case invalidHeloName
        case invalidMessage(MailMessageError)
        case unreadableTrustRoots(path: String)
        case connectFailed
        case connectionClosed(SMTPCommand)
        case connectionLost(SMTPCommand)
        case timeout(SMTPCommand)
        case unexpectedReply(SMTPCommand, code: Int, text: String)
        case startTLSNotOffered
        case tlsFailed
        case replyLineTooLong(SMTPCommand)
        case tooManyReplyLines(SMTPCommand)
        case malformedReply(SMTPCommand)
        case unsolicitedData(SMTPCommand)
    }

    private let code: Code
    /// The underlying error's description; not part of equality.
    private let cause: String?

    private init(_ code: Code, cause: (any Error)? = nil) {
        self.code = code
        self.cause = cause.map { String(describing: $0) }
    }

    /// The error for what ended the reply stream while a reply to `command` was due: the reply decoder's own
    /// failures, TLS errors, and anything else as a lost connection.
    init(streamError error: any Error, command: SMTPCommand) {
        switch error {
        case SMTPReplyFailure.lineTooLong: self.init(.replyLineTooLong(command))
        case SMTPReplyFailure.tooManyLines: self.init(.tooManyReplyLines(command))
        case SMTPReplyFailure.malformed: self.init(.malformedReply(command))
        case SMTPReplyFailure.unsolicited: self.init(.unsolicitedData(command))
        case SMTPReplyFailure.timeout: self.init(.timeout(command))
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError: self.init(.tlsFailed, cause: error)
        default: self.init(.connectionLost(command), cause: error)
        }
    }

    package static func == (lhs: SMTPError, rhs: SMTPError) -> Bool { lhs.code == rhs.code }

    /// `MOAT_SMTP` is not `host:port` or `[ipv6]:port`.
    /// - Parameter value: the value given.
    package static func invalidHostPort(_ value: String) -> SMTPError { SMTPError(.invalidHostPort(value)) }
    /// The EHLO name is not a host name or address literal.
    package static let invalidHeloName = SMTPError(.invalidHeloName)
    /// The message or an envelope address was refused before connecting.
    /// - Parameter error: what was wrong with it.
    package static func invalidMessage(_ error: MailMessageError) -> SMTPError { SMTPError(.invalidMessage(error)) }
    /// The extra trust roots file does not load.
    /// - Parameter path: the file.
    package static func unreadableTrustRoots(path: String) -> SMTPError { SMTPError(.unreadableTrustRoots(path: path)) }
    static func unreadableTrustRoots(path: String, cause: any Error) -> SMTPError {
        SMTPError(.unreadableTrustRoots(path: path), cause: cause)
    }
    /// The TCP connection could not be made (refused, unresolvable, timed out).
    package static let connectFailed = SMTPError(.connectFailed)
    static func connectFailed(cause: any Error) -> SMTPError { SMTPError(.connectFailed, cause: cause) }
    /// The server closed the connection while a reply to `command` was due.
    /// - Parameter command: the command waiting for its reply.
    package static func connectionClosed(command: SMTPCommand) -> SMTPError { SMTPError(.connectionClosed(command)) }
    /// The connection failed (reset, write on a closed channel) during `command`.
    /// - Parameter command: the command in progress.
    package static func connectionLost(command: SMTPCommand) -> SMTPError { SMTPError(.connectionLost(command)) }
    static func connectionLost(command: SMTPCommand, cause: any Error) -> SMTPError { SMTPError(.connectionLost(command), cause: cause) }
    /// No reply to `command` within the reply timeout.
    /// - Parameter command: the command waiting for its reply.
    package static func timeout(command: SMTPCommand) -> SMTPError { SMTPError(.timeout(command)) }
    /// The server answered `command` with a code the client cannot go on from, such as 550 to `RCPT TO`.
    /// - Parameters:
    ///   - command: the command answered.
    ///   - code: the reply code.
    ///   - text: the reply's text, its lines joined by spaces.
    package static func unexpectedReply(command: SMTPCommand, code: Int, text: String) -> SMTPError {
        SMTPError(.unexpectedReply(command, code: code, text: text))
    }
    /// ``SMTPConfiguration/TLSMode/requireStartTLS`` and the server does not offer STARTTLS.
    package static let startTLSNotOffered = SMTPError(.startTLSNotOffered)
    /// TLS failed: an untrusted certificate, a certificate for another name, no common protocol, a TLS record
    /// that does not decrypt.
    package static let tlsFailed = SMTPError(.tlsFailed)
    static func tlsFailed(cause: any Error) -> SMTPError { SMTPError(.tlsFailed, cause: cause) }
    /// A line of the reply to `command` is longer than 4 KiB.
    /// - Parameter command: the command answered.
    package static func replyLineTooLong(command: SMTPCommand) -> SMTPError { SMTPError(.replyLineTooLong(command)) }
    /// The reply to `command` has more than 64 lines.
    /// - Parameter command: the command answered.
    package static func tooManyReplyLines(command: SMTPCommand) -> SMTPError { SMTPError(.tooManyReplyLines(command)) }
    /// The reply to `command` is not SMTP: no three-digit code, or lines with different codes.
    /// - Parameter command: the command answered.
    package static func malformedReply(command: SMTPCommand) -> SMTPError { SMTPError(.malformedReply(command)) }
    /// The server sent data while no reply was due (after a complete reply, before the next command); noticed
    /// while waiting for the reply to `command`.
    /// - Parameter command: the command whose reply was being read.
    package static func unsolicitedData(command: SMTPCommand) -> SMTPError { SMTPError(.unsolicitedData(command)) }

    /// The server's reply code, when the server answered with one the client could not go on from.
    package var replyCode: Int? {
        if case .unexpectedReply(_, let code, _) = code { code } else { nil }
    }

    /// Whether the server refused something in a well-formed reply, so the conversation can still end with `QUIT`.
    var isReplyError: Bool {
        switch code {
        case .unexpectedReply, .startTLSNotOffered: true
        default: false
        }
    }

    package var description: String {
        let base =
            switch code {
            case .invalidHostPort(let value): "MOAT_SMTP is not host:port or [ipv6]:port: \"\(value)\""
            case .invalidHeloName: "The EHLO name is not a host name or an address literal"
            case .invalidMessage(let error): "The message was refused before sending: \(error)"
            case .unreadableTrustRoots(let path): "The SMTP trust roots file \(path) does not load as PEM certificates"
            case .connectFailed: "Could not connect to the SMTP server"
            case .connectionClosed(let command): "The SMTP server closed the connection while a reply to \(command.rawValue) was due"
            case .connectionLost(let command): "The connection to the SMTP server failed during \(command.rawValue)"
            case .timeout(let command): "The SMTP server did not answer \(command.rawValue) in time"
            case .unexpectedReply(let command, let code, let text): "The SMTP server answered \(command.rawValue) with \(code) \(text)"
            case .startTLSNotOffered: "The SMTP server does not offer STARTTLS, which the configuration requires"
            case .tlsFailed: "TLS with the SMTP server failed"
            case .replyLineTooLong(let command): "A line of the SMTP server's reply to \(command.rawValue) is longer than 4 KiB"
            case .tooManyReplyLines(let command): "The SMTP server's reply to \(command.rawValue) has more than 64 lines"
            case .malformedReply(let command): "The SMTP server's reply to \(command.rawValue) is malformed"
            case .unsolicitedData(let command): "The SMTP server sent data when no reply was due (noticed at \(command.rawValue))"
            }
        return cause.map { "\(base): \($0)" } ?? base
    }
}
