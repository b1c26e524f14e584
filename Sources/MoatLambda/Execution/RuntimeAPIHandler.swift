import NIOCore
import NIOHTTP1

/// Serves the Lambda Runtime API (`/2018-06-01/runtime/…`) of one instance; nothing else.
final class RuntimeAPIHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let prefix = "/2018-06-01/runtime/"
    /// Error and init-error bodies are capped like responses.
    private static let maxBodySize = FunctionInstance.maxResponseSize

    private let instance: FunctionInstance
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var oversized = false

    init(instance: FunctionInstance) {
        self.instance = instance
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            oversized = false
        case .body(let chunk):
            guard !oversized else { return }
            if body.count + chunk.readableBytes > Self.maxBodySize {
                oversized = true
                body = []
            } else {
                body.append(contentsOf: chunk.readableBytesView)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let body = self.body
            self.body = []
            route(context: context, head: head, body: oversized ? nil : body)
        }
    }

    private enum Route {
        case next
        case response(String)
        case error(String)
        case initError
        case notFound
    }

    private static func route(method: HTTPMethod, uri: String) -> Route {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        guard path.hasPrefix(prefix) else { return .notFound }
        let parts = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        switch (method, parts.count) {
        case (.GET, 2) where parts[0] == "invocation" && parts[1] == "next":
            return .next
        case (.POST, 2) where parts[0] == "init" && parts[1] == "error":
            return .initError
        case (.POST, 3) where parts[0] == "invocation" && !parts[1].isEmpty && parts[2] == "response":
            return .response(String(parts[1]))
        case (.POST, 3) where parts[0] == "invocation" && !parts[1].isEmpty && parts[2] == "error":
            return .error(String(parts[1]))
        default:
            return .notFound
        }
    }

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]?) {
        let keepAlive = head.isKeepAlive
        switch Self.route(method: head.method, uri: head.uri) {
        case .next:
            let promise = context.eventLoop.makePromise(of: NextEvent.self)
            promise.futureResult.assumeIsolated().whenComplete { result in
                switch result {
                case .success(let event):
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "application/json")
                    headers.add(name: "Lambda-Runtime-Aws-Request-Id", value: event.requestId)
                    headers.add(name: "Lambda-Runtime-Deadline-Ms", value: String(event.deadlineMs))
                    headers.add(name: "Lambda-Runtime-Invoked-Function-Arn", value: event.functionArn)
                    if let trace = event.traceId { headers.add(name: "Lambda-Runtime-Trace-Id", value: trace) }
                    if let clientContext = event.clientContext {
                        headers.add(name: "Lambda-Runtime-Client-Context", value: clientContext)
                    }
                    if let identity = event.cognitoIdentity {
                        headers.add(name: "Lambda-Runtime-Cognito-Identity", value: identity)
                    }
                    self.write(context: context, status: .ok, headers: headers, body: event.payload, keepAlive: keepAlive)
                case .failure:
                    // The instance is gone: the runtime sees its connection close and exits.
                    context.close(promise: nil)
                }
            }
            instance.nextInvocation(promise)
        case .response(let requestId):
            answer(context: context, instance.post(requestId: requestId, body: body, isError: false), keepAlive: keepAlive)
        case .error(let requestId):
            let answer = instance.post(requestId: requestId, body: body ?? Array(Self.truncatedError.utf8), isError: true)
            self.answer(context: context, answer, keepAlive: keepAlive)
        case .initError:
            answer(context: context, instance.postInitError(body: body ?? Array(Self.truncatedError.utf8)), keepAlive: keepAlive)
        case .notFound:
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            write(context: context, status: .notFound, headers: headers, body: Array("404 page not found\n".utf8), keepAlive: keepAlive)
        }
    }

    private static let truncatedError = #"{"errorMessage":"Error body exceeded the maximum size","errorType":"Runtime.Unknown"}"#

    private func answer(context: ChannelHandlerContext, _ answer: RuntimeAPIAnswer, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        write(context: context, status: answer.status, headers: headers, body: Array(answer.body.utf8), keepAlive: keepAlive)
    }

    private func write(context: ChannelHandlerContext, status: HTTPResponseStatus, headers: HTTPHeaders, body: [UInt8], keepAlive: Bool) {
        var headers = headers
        headers.add(name: "Content-Length", value: String(body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}

/// Splits the runtime's merged stdout and stderr into lines for the instance.
final class OutputLineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// CloudWatch Logs' largest event: longer lines are split.
    private static let maxLineLength = 256 * 1024

    private let instance: FunctionInstance
    private var partial: [UInt8] = []

    init(instance: FunctionInstance) {
        self.instance = instance
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var rest = buffer.readableBytesView[...]
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            append(rest[..<newline])
            emit()
            rest = rest[rest.index(after: newline)...]
        }
        append(rest)
    }

    /// Adds bytes of the current line, emitting a piece each time it reaches the longest event.
    private func append(_ bytes: ByteBufferView.SubSequence) {
        var bytes = bytes
        while !bytes.isEmpty {
            let room = Self.maxLineLength - partial.count
            let piece = bytes.prefix(room)
            partial.append(contentsOf: piece)
            bytes = bytes.dropFirst(piece.count)
            if partial.count >= Self.maxLineLength { emit() }
        }
    }

    private func emit() {
        if partial.last == UInt8(ascii: "\r") { partial.removeLast() }
        instance.outputLine(String(decoding: partial, as: UTF8.self))
        partial.removeAll(keepingCapacity: true)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            if !partial.isEmpty { emit() }
            instance.outputClosed()
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !partial.isEmpty { emit() }
        instance.outputClosed()
        context.fireChannelInactive()
    }
}
