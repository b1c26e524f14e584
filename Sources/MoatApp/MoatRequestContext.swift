public import Hummingbird
import NIOCore

/// The request context of Moat's server: Hummingbird's core storage plus the client's address.
public struct MoatRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, the value of `aws:SourceIp`.
    public let sourceIp: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.sourceIp = source.channel.remoteAddress?.ipAddress ?? "127.0.0.1"
    }
}
