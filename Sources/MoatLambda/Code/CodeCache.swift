import Crypto
public import Foundation
import MoatCore
import NIOPosix

/// Lambda's size limits (AWS Lambda quotas), configurable so that tests need not upload 50 MB.
public struct LambdaLimits: Sendable {
    /// A `ZipFile` uploaded directly: 50 MB.
    public var maximumZipSize: Int
    /// The unpacked package: 250 MB.
    public var maximumUnzippedSize: Int
    /// Concurrent executions of the account.
    public var accountConcurrency: Int

    /// AWS's default account concurrency is 1,000; a machine runs as many instances as its memory holds, so Moat's
    /// default is one per 256 MiB of memory, between 10 and 1,000.
    public static func machineConcurrency(physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> Int {
        Int(min(1000, max(10, physicalMemory / (256 << 20))))
    }

    /// The largest CreateFunction / UpdateFunctionCode request: the package in base64 (AWS: 69,905,067 bytes).
    public var packageRequestSize: Int { maximumZipSize * 4 / 3 + 1 }

    public init(maximumZipSize: Int = 52_428_800, maximumUnzippedSize: Int = 262_144_000, accountConcurrency: Int = 1000) {
        self.maximumZipSize = maximumZipSize
        self.maximumUnzippedSize = maximumUnzippedSize
        self.accountConcurrency = accountConcurrency
    }
}

/// Deployment packages unpacked on this node, one directory per package digest under the data directory.
///
/// The database holds every package; a node unpacks one the first time it needs it (after a restart with a wiped
/// directory, or on another node of a scale-out), so the directory is a cache and never the only copy.
struct CodeCache: Sendable {
    let root: URL

    /// Checks `zip` as Lambda does and unpacks it; returns its `CodeSha256` (base64 of the SHA-256 of the bytes).
    /// Hashing and unpacking up to 250 MB run on NIO's blocking pool, not on the event loop the request came in on.
    func prepare(_ zip: [UInt8], limits: LambdaLimits, operation: String) async throws -> String {
        guard zip.count <= limits.maximumZipSize else {
            throw ServiceError.lambda(
                LambdaDomain.requestEntityTooLarge,
                "Request must be smaller than \(limits.packageRequestSize) bytes for the \(operation) operation"
            )
        }
        return try await NIOThreadPool.singleton.runIfActive {
            let sha256 = Self.digest(zip)
            _ = try unpack(zip, sha256: sha256, limits: limits)
            return sha256
        }
    }

    /// The directory holding the package with this digest, unpacked from `load()` when this node has not yet.
    func directory(sha256: String, limits: LambdaLimits, load: () async throws -> [UInt8]?) async throws -> URL? {
        let directory = path(for: sha256)
        if FileManager.default.fileExists(atPath: directory.path) { return directory }
        guard let zip = try await load() else { return nil }
        return try await NIOThreadPool.singleton.runIfActive { try unpack(zip, sha256: sha256, limits: limits) }
    }

    private func unpack(_ zip: [UInt8], sha256: String, limits: LambdaLimits) throws -> URL {
        let directory = path(for: sha256)
        if FileManager.default.fileExists(atPath: directory.path) { return directory }
        // Only Moat's user reads the cache; instances see hard links in directories of their own.
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do throws(ZipArchiveError) {
            let zipLimits = ZipArchive.Limits(maximumEntries: ZipArchive.Limits.lambda.maximumEntries, maximumUncompressedSize: limits.maximumUnzippedSize)
            try ZipArchive(zip, limits: zipLimits).extract(to: directory)
        } catch .tooLarge {
            throw ServiceError.lambdaInvalidParameter("Unzipped size must be smaller than \(limits.maximumUnzippedSize) bytes")
        } catch .cannotWrite(let path, let errno) {
            // Another request unpacked the same package first: its directory is as good as ours.
            if FileManager.default.fileExists(atPath: directory.path) { return directory }
            throw ZipArchiveError.cannotWrite(path, errno: errno)
        } catch {
            throw ServiceError.lambdaInvalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
        }
        return directory
    }

    /// Directory names use the hexadecimal digest: base64 holds `/`.
    private func path(for sha256: String) -> URL {
        let bytes = Data(base64Encoded: sha256) ?? Data(sha256.utf8)
        return root.appendingPathComponent(Hex.lowercase(bytes), isDirectory: true)
    }

    static func digest(_ zip: [UInt8]) -> String {
        Data(SHA256.hash(data: zip)).base64EncodedString()
    }
}
