public import Foundation

/// Runs the generator over `services.json`: reads each model, applies its patches, writes the generated files.
public struct Generator {
    public var configuration: Configuration
    /// A botocore `data` folder (or a copy): `<model>/<date>/service-2.json`.
    public var modelsDirectory: URL

    public init(configuration: Configuration, modelsDirectory: URL) {
        self.configuration = configuration
        self.modelsDirectory = modelsDirectory
    }

    /// The newest date folder of a model that holds a `service-2.json`.
    public func latestModel(_ name: String) throws -> (date: String, url: URL) {
        let folder = modelsDirectory.appendingPathComponent(name)
        let dates = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        for date in dates.reversed() {
            let url = folder.appendingPathComponent(date).appendingPathComponent("service-2.json")
            if FileManager.default.fileExists(atPath: url.path) { return (date, url) }
        }
        throw GeneratorError(description: "no service-2.json under \(folder.path)")
    }

    /// The files of every configured service, by module.
    public func generate() throws -> [(module: String, files: [GeneratedFile])] {
        var result: [(module: String, files: [GeneratedFile])] = []
        for service in configuration.services {
            let (date, url) = try latestModel(service.model)
            let data = try Data(contentsOf: url)
            let json = try Configuration.apply(service.patches, to: try JSONParser.parse([UInt8](data)))
            let model = try BotocoreModel(json: json)
            let generator = try ServiceGenerator(
                service: service,
                model: model,
                botocoreVersion: configuration.botocoreVersion,
                modelDate: date
            )
            result.append((service.module, generator.files()))
        }
        return result
    }

    /// Writes the files into `<root>/Sources/<Module>/Generated/`, removing generated files no service produces.
    public func write(to root: URL) throws -> [URL] {
        var written: [URL] = []
        var byFolder: [String: Set<String>] = [:]
        for (module, files) in try generate() {
            let folder = root.appendingPathComponent("Sources").appendingPathComponent(module).appendingPathComponent("Generated")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files {
                let url = folder.appendingPathComponent(file.name)
                try Data(file.contents.utf8).write(to: url)
                written.append(url)
                byFolder[folder.path, default: []].insert(file.name)
            }
        }
        for (folder, names) in byFolder {
            for existing in try FileManager.default.contentsOfDirectory(atPath: folder)
            where existing.hasSuffix(".swift") && !names.contains(existing) {
                try FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(existing))
            }
        }
        return written
    }
}
