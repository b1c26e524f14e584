import Foundation
import MoatCodegen

/// moat-codegen --config services.json --models <botocore data folder, decompressed> --output <repository root>
/// moat-codegen --config services.json --print-botocore-version
func run() throws {
    var arguments = CommandLine.arguments.dropFirst()
    var options: [String: String] = [:]
    var flags: Set<String> = []
    while let argument = arguments.popFirst() {
        switch argument {
        case "--config", "--models", "--output":
            guard let value = arguments.popFirst() else { throw GeneratorError(description: "\(argument) needs a value") }
            options[argument] = value
        case "--print-botocore-version":
            flags.insert(argument)
        case "-h", "--help":
            print("usage: moat-codegen --config services.json --models DIR --output ROOT")
            print("       moat-codegen --config services.json --print-botocore-version")
            return
        default:
            throw GeneratorError(description: "unknown argument \(argument)")
        }
    }
    guard let configPath = options["--config"] else { throw GeneratorError(description: "--config is required") }
    let configuration = try Configuration(json: JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: configPath)))))
    if flags.contains("--print-botocore-version") {
        print(configuration.botocoreVersion)
        return
    }
    guard let models = options["--models"], let output = options["--output"] else {
        throw GeneratorError(description: "--models and --output are required")
    }
    let generator = Generator(configuration: configuration, modelsDirectory: URL(fileURLWithPath: models))
    for url in try generator.write(to: URL(fileURLWithPath: output)) {
        print("wrote \(url.path)")
    }
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("moat-codegen: \(error)\n".utf8))
    exit(1)
}
