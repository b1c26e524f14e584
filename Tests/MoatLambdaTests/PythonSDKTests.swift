import Foundation
import Testing

@testable import MoatLambda

@Suite struct PythonSDKTests {
    /// Moat installs the same boto3 that scripts/lambda-python-sdk.sh installs.
    @Test func theBuiltInPinsAreTheScriptsPins() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/lambda-python-sdk.txt")
        let pins = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(pins == PythonSDK.requirements)
    }
}
