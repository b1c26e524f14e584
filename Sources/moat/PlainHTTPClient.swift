import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request to Moat and its whole answer, over plain TCP.
///
/// The command line talks to a Moat it can reach directly; a TLS client (URLSession's, which links libcurl and its
/// TLS libraries into the `moat` executable) would cost the server several megabytes of memory for nothing.
enum PlainHTTPClient {
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends `method path` with `headers` and `body` to `host:port`; gives up after `timeout`.
    static func send(
        host: String,
        port: Int,
        method: HTTPMethod,
        path: String,
        headers: [(name: String, value: String)],
        body: [UInt8],
        timeout: TimeAmount = .seconds(30)
    ) async throws -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Response.self)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(Collector(promise: promise))
                }
            }
            .connect(host: host, port: port)
            .get()
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure(description: "no answer from \(host):\(port) within \(timeout.nanoseconds / 1_000_000_000) s"))
            channel.close(promise: nil)
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        for header in headers { head.headers.add(name: header.name, value: header.value) }
        head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart

        private let promise: EventLoopPromise<Response>
        private var response = Response(status: 0, body: [])

        init(promise: EventLoopPromise<Response>) {
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                response.status = Int(head.status.code)
            case .body(let chunk):
                response.body.append(contentsOf: chunk.readableBytesView)
            case .end:
                promise.succeed(response)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(Failure(description: "the connection closed before the answer was complete"))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
