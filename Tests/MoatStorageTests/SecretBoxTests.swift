import Foundation
import MoatStorage
import MoatTesting
import Testing

@Suite("SecretBox")
struct SecretBoxTests {
    private static let keyText = Data((1...32).map { UInt8($0) }).base64EncodedString()
    private static let otherKeyText = Data((101...132).map { UInt8($0) }).base64EncodedString()

    private static func box(_ text: String = keyText) throws -> SecretBox {
        SecretBox(key: try MasterKey.load(environmentValue: text, dataDirectory: URL(fileURLWithPath: "/nonexistent")))
    }

    @Test(arguments: [Data(), Data("s3cr3t".utf8), Data(repeating: 0xA5, count: 4096)])
    func roundTrip(plaintext: Data) throws {
        let box = try Self.box()
        let sealed = try box.seal(plaintext, context: "iam.access_keys.secret:AKIA1")
        #expect(sealed.count == plaintext.count + 29)
        #expect(sealed.first == SecretBox.formatVersion)
        #expect(try box.open(sealed, context: "iam.access_keys.secret:AKIA1") == plaintext)
        if !plaintext.isEmpty {
            #expect(sealed.range(of: plaintext) == nil)
        }
    }

    @Test func stringRoundTripAndFreshNonces() throws {
        let box = try Self.box()
        let first = try box.seal("pässwörd ✓", context: "c")
        let second = try box.seal("pässwörd ✓", context: "c")
        #expect(first != second)
        #expect(try box.openString(first, context: "c") == "pässwörd ✓")
        #expect(try box.openString(second, context: "c") == "pässwörd ✓")
    }

    @Test func everyTamperedByteIsDetected() throws {
        let box = try Self.box()
        let sealed = try box.seal(Data("value".utf8), context: "row:1")
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            let expected: SecretBoxError = index == sealed.startIndex ? .unsupportedVersion : .authenticationFailed
            #expect(throws: expected) { try box.open(tampered, context: "row:1") }
        }
    }

    @Test func wrongContextOrKeyIsRefused() throws {
        let box = try Self.box()
        let sealed = try box.seal(Data("value".utf8), context: "secrets.value:1")
        #expect(throws: SecretBoxError.authenticationFailed) { try box.open(sealed, context: "secrets.value:2") }
        #expect(throws: SecretBoxError.authenticationFailed) { try box.open(sealed, context: "") }
        #expect(throws: SecretBoxError.authenticationFailed) { try Self.box(Self.otherKeyText).open(sealed, context: "secrets.value:1") }
    }

    @Test func truncatedValuesAreMalformed() throws {
        let box = try Self.box()
        let sealed = try box.seal(Data("value".utf8), context: "c")
        #expect(throws: SecretBoxError.malformed) { try box.open(Data(), context: "c") }
        #expect(throws: SecretBoxError.malformed) { try box.open(Data(sealed.prefix(28)), context: "c") }
        #expect(throws: SecretBoxError.authenticationFailed) { try box.open(Data(sealed.dropLast()), context: "c") }
    }

    @Test func errorDescriptionsAreDistinct() {
        let descriptions = [SecretBoxError.authenticationFailed, .unsupportedVersion, .malformed].map(\.description)
        #expect(Set(descriptions).count == 3)
        #expect(descriptions.allSatisfy { $0.hasPrefix("SecretBoxError.") })
    }
}
