public import Crypto
public import Foundation

/// The master key that ``SecretBox`` encrypts secrets under.
///
/// Every node of a scale-out must use the same key, given as `MOAT_MASTER_KEY` (the base64 encoding of 32 random
/// bytes, e.g. from `openssl rand -base64 32`). A single node without it keeps its key in `master.key` in the data
/// directory, created on first start; back that file up with the database, since secrets cannot be decrypted
/// without it. The file holds the key in the same base64 form, so it can become `MOAT_MASTER_KEY` later.
public enum MasterKey {
    /// The environment variable the caller reads and passes to ``load(environmentValue:dataDirectory:)``.
    public static let environmentVariable = "MOAT_MASTER_KEY"
    /// The key file's name in the data directory.
    public static let fileName = "master.key"

    /// Returns the master key: from `environmentValue` when given, else from `master.key` in `dataDirectory`,
    /// creating it on first use.
    ///
    /// The file is created atomically (written to a private temporary file, then linked into place, so a concurrent
    /// start either creates it or reads the complete file) with mode 0600, and the directory, if missing, with
    /// mode 0700. An existing key file that its group or others may access is refused rather than trusted.
    ///
    /// - Parameters:
    ///   - environmentValue: The value of `MOAT_MASTER_KEY`, or `nil` when unset. This module never reads the
    ///     environment itself.
    ///   - dataDirectory: The data directory.
    /// - Throws: ``MasterKeyError``, whose description says what to fix and never contains key material.
    public static func load(environmentValue: String?, dataDirectory: URL) throws -> SymmetricKey {
        if let environmentValue {
            guard let key = Self.decode(environmentValue) else {
                throw MasterKeyError(
                    .invalidEnvironmentValue,
                    "\(Self.environmentVariable) must be the base64 encoding of exactly 32 bytes "
                        + "(generate one with `openssl rand -base64 32`)"
                )
            }
            return key
        }
        try Self.createDirectory(dataDirectory)
        let path = dataDirectory.appendingPathComponent(Self.fileName).path
        if let key = try Self.read(path) { return key }
        return try Self.create(path, in: dataDirectory.path)
    }

    /// Decodes base64 text of exactly 32 bytes, ignoring surrounding whitespace.
    private static func decode(_ text: String) -> SymmetricKey? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: trimmed), bytes.count == 32 else { return nil }
        return SymmetricKey(data: bytes)
    }

    private static func createDirectory(_ directory: URL) throws {
        guard !FileManager.default.fileExists(atPath: directory.path) else { return }
        do {
            try FileManager.default.createDirectory(
                at: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw MasterKeyError(.io, "cannot create the data directory \(directory.path)")
        }
        _ = SystemCalls.changeMode(path: directory.path, 0o700)
    }

    /// Reads an existing key file; `nil` when there is none.
    private static func read(_ path: String) throws -> SymmetricKey? {
        let descriptor = SystemCalls.openFile(path, flags: O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if SystemCalls.lastError == ENOENT { return nil }
            throw MasterKeyError(.io, "cannot open the master key file \(path) (errno \(SystemCalls.lastError))")
        }
        defer { SystemCalls.closeFile(descriptor) }
        guard let status = SystemCalls.status(descriptor), status.isRegularFile else {
            throw MasterKeyError(.invalidKeyFile, "the master key file \(path) is not a regular file")
        }
        guard status.permissions & 0o077 == 0 else {
            let mode = String(status.permissions, radix: 8)
            throw MasterKeyError(
                .insecureKeyFile,
                "the master key file \(path) has mode \(mode) but must be accessible by its owner only: "
                    + "run `chmod 600 \(path)`, and consider the key compromised if others could read it"
            )
        }
        guard let bytes = SystemCalls.readAll(descriptor, limit: 1024) else {
            throw MasterKeyError(.io, "cannot read the master key file \(path) (errno \(SystemCalls.lastError))")
        }
        guard let text = String(bytes: bytes, encoding: .utf8), let key = Self.decode(text) else {
            throw MasterKeyError(.invalidKeyFile, "the master key file \(path) does not hold the base64 encoding of 32 bytes")
        }
        return key
    }

    /// Writes a new key to a private temporary file, then links it into place; if another process won the race,
    /// reads its key instead.
    private static func create(_ path: String, in directory: String) throws -> SymmetricKey {
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        let temporary = "\(path).\(UUID().uuidString).tmp"
        let descriptor = SystemCalls.openFile(
            temporary,
            flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
            mode: 0o600
        )
        guard descriptor >= 0 else {
            throw MasterKeyError(.io, "cannot create the master key file in \(directory) (errno \(SystemCalls.lastError))")
        }
        defer { SystemCalls.removeFile(temporary) }
        let written = SystemCalls.changeMode(descriptor, 0o600)
            && SystemCalls.writeAll(descriptor, Array(text.utf8))
            && SystemCalls.synchronize(descriptor)
        SystemCalls.closeFile(descriptor)
        guard written else {
            throw MasterKeyError(.io, "cannot write the master key file in \(directory) (errno \(SystemCalls.lastError))")
        }
        guard SystemCalls.makeLink(from: temporary, to: path) else {
            if SystemCalls.lastError == EEXIST, let existing = try Self.read(path) { return existing }
            throw MasterKeyError(.io, "cannot create the master key file \(path) (errno \(SystemCalls.lastError))")
        }
        SystemCalls.syncDirectory(directory)
        return key
    }
}

/// Why ``MasterKey/load(environmentValue:dataDirectory:)`` failed. Equal when the codes are equal.
public struct MasterKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: String, Sendable {
        case invalidEnvironmentValue, invalidKeyFile, insecureKeyFile, io
    }

    let code: Code
    /// What is wrong and how to fix it; never contains key material.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `MOAT_MASTER_KEY` is not the base64 encoding of 32 bytes.
    public static var invalidEnvironmentValue: MasterKeyError { .init(.invalidEnvironmentValue, "invalid MOAT_MASTER_KEY") }
    /// The key file is not a regular file holding the base64 encoding of 32 bytes.
    public static var invalidKeyFile: MasterKeyError { .init(.invalidKeyFile, "invalid master key file") }
    /// The key file may be read or written by its group or others.
    public static var insecureKeyFile: MasterKeyError { .init(.insecureKeyFile, "insecure master key file") }
    /// The data directory or key file could not be created, read or written.
    public static var io: MasterKeyError { .init(.io, "master key file I/O failed") }

    public var description: String { "MasterKeyError.\(self.code.rawValue): \(self.message)" }

    public static func == (lhs: MasterKeyError, rhs: MasterKeyError) -> Bool { lhs.code == rhs.code }
}
