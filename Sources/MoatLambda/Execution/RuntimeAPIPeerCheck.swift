import NIOCore

/// Admits to an instance's Runtime API only connections made by the instance's own uid: the kernel's TCP table
/// (`/proc/net/tcp`) names the owner of the connecting socket. A process of another function (another uid when Moat
/// runs as root) or of another user of the machine is disconnected before it can read an event or answer one.
final class RuntimeAPIPeerCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let expectedUID: UInt32

    init(expectedUID: UInt32) {
        self.expectedUID = expectedUID
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let local = context.channel.localAddress?.port, let remote = context.channel.remoteAddress?.port,
            Self.owner(clientPort: remote, serverPort: local) == expectedUID
        else {
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    /// The uid owning the client end (127.0.0.1:clientPort → 127.0.0.1:serverPort) of a loopback connection.
    static func owner(clientPort: Int, serverPort: Int, table: String? = nil) -> UInt32? {
        guard let table = table ?? ProcFile.read("/proc/net/tcp") else { return nil }
        let client = "0100007F:" + hex(clientPort)
        let server = "0100007F:" + hex(serverPort)
        for line in table.split(separator: "\n").dropFirst() {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid …
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 7, fields[1] == client, fields[2] == server else { continue }
            return UInt32(fields[7])
        }
        return nil
    }

    private static func hex(_ port: Int) -> String {
        let digits = String(port, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
