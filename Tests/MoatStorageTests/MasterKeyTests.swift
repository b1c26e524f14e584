import Foundation
import MoatStorage
import MoatTesting
import Testing

@Suite("MasterKey")
struct MasterKeyTests {
    /// Whether two loaded keys are the same key, without touching key bytes.
    private func sameKey(_ first: SecretBox, _ second: SecretBox) throws -> Bool {
        let sealed = try first.seal(Data("probe".utf8), context: "probe")
        return (try? second.open(sealed, context: "probe")) != nil
    }

    @Test func keyFileIsCreatedPrivateAndReused() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let directory = temporary.url.appendingPathComponent("nested/data")
        let first = try MasterKey.load(environmentValue: nil, dataDirectory: directory)
        let file = directory.appendingPathComponent(MasterKey.fileName)
        #expect(try permissions(of: file) == 0o600)
        #expect(try permissions(of: directory) == 0o700)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == [MasterKey.fileName])

        let second = try MasterKey.load(environmentValue: nil, dataDirectory: directory)
        #expect(try self.sameKey(SecretBox(key: first), SecretBox(key: second)))

        // The file holds the key as MOAT_MASTER_KEY would.
        let text = try String(contentsOf: file, encoding: .utf8)
        let fromText = try MasterKey.load(environmentValue: text, dataDirectory: directory)
        #expect(try self.sameKey(SecretBox(key: first), SecretBox(key: fromText)))
    }

    @Test func concurrentFirstLoadsAgreeOnOneKey() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let directory = temporary.url
        let boxes = try await withThrowingTaskGroup(of: SecretBox.self) { group in
            for _ in 0..<8 {
                group.addTask { SecretBox(key: try MasterKey.load(environmentValue: nil, dataDirectory: directory)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for box in boxes.dropFirst() {
            #expect(try self.sameKey(boxes[0], box))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [MasterKey.fileName])
    }

    @Test func environmentKeyIsUsedAndNoFileIsCreated() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let value = Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()
        let key = try MasterKey.load(environmentValue: value, dataDirectory: temporary.url)
        let again = try MasterKey.load(environmentValue: " \(value)\n", dataDirectory: temporary.url)
        #expect(try self.sameKey(SecretBox(key: key), SecretBox(key: again)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path).isEmpty)
        let fileKey = try MasterKey.load(environmentValue: nil, dataDirectory: temporary.url)
        #expect(try !self.sameKey(SecretBox(key: key), SecretBox(key: fileKey)))
    }

    @Test(arguments: [
        "",
        "not base64 at all!",
        Data(count: 16).base64EncodedString(),
        Data(count: 31).base64EncodedString(),
        Data(count: 33).base64EncodedString(),
        Data(count: 64).base64EncodedString(),
    ])
    func badEnvironmentKeyIsRefused(value: String) throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let error = try #require(throws: MasterKeyError.self) {
            try MasterKey.load(environmentValue: value, dataDirectory: temporary.url)
        }
        #expect(error == .invalidEnvironmentValue)
        #expect(error.description.contains("MOAT_MASTER_KEY"))
        #expect(error.description.contains("32 bytes"))
        if !value.isEmpty {
            #expect(!error.description.contains(value))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path).isEmpty)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o666])
    func keyFileOthersCanAccessIsRefused(mode: Int) throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        _ = try MasterKey.load(environmentValue: nil, dataDirectory: temporary.url)
        let file = temporary.url.appendingPathComponent(MasterKey.fileName)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        let error = try #require(throws: MasterKeyError.self) {
            try MasterKey.load(environmentValue: nil, dataDirectory: temporary.url)
        }
        #expect(error == .insecureKeyFile)
        #expect(error.description.contains("chmod 600"))
        #expect(error.description.contains(String(mode, radix: 8)))
    }

    @Test func corruptKeyFileIsRefused() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let file = temporary.url.appendingPathComponent(MasterKey.fileName)
        try Data("short".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(throws: MasterKeyError.invalidKeyFile) { try MasterKey.load(environmentValue: nil, dataDirectory: temporary.url) }

        try FileManager.default.removeItem(at: file)
        try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: file.path)
        #expect(throws: MasterKeyError.invalidKeyFile) { try MasterKey.load(environmentValue: nil, dataDirectory: temporary.url) }
    }

    @Test func errorDescriptionsNameTheirCode() {
        let errors: [MasterKeyError] = [.invalidEnvironmentValue, .invalidKeyFile, .insecureKeyFile, .io]
        #expect(Set(errors.map(\.description)).count == errors.count)
        #expect(errors.allSatisfy { $0.description.hasPrefix("MasterKeyError.") })
    }
}
