/// `Tools/codegen/services.json`: which services to generate, and how.
public struct Configuration: Sendable {
    /// A change to a model made before generation, because the model is wrong or incomplete.
    public struct Patch: Sendable {
        /// Path of object member names from the model root (`["shapes", "X", "error", "httpStatusCode"]`).
        public var path: [String]
        /// The new value; nil removes the member.
        public var value: JSON?
        /// Why the patch exists (an issue link or the observed AWS behaviour).
        public var comment: String

        public init(path: [String], value: JSON?, comment: String) {
            self.path = path
            self.value = value
            self.comment = comment
        }
    }

    public struct Service: Sendable {
        /// botocore's model folder name (`iam`, `cognito-idp`).
        public var model: String
        /// The Swift namespace enum (`IAM`).
        public var namespace: String
        /// The module whose `Generated/` folder receives the files (`MoatIAM`).
        public var module: String
        /// The name of the `ServiceModel` static (`iam`).
        public var serviceModelName: String
        /// The IAM action prefix (`iam`, `cognito-idp`).
        public var actionPrefix: String
        /// Operations Moat implements, in the order the operations protocol lists them.
        public var operations: [String]
        public var patches: [Patch]

        public init(
            model: String,
            namespace: String,
            module: String,
            serviceModelName: String,
            actionPrefix: String,
            operations: [String],
            patches: [Patch] = []
        ) {
            self.model = model
            self.namespace = namespace
            self.module = module
            self.serviceModelName = serviceModelName
            self.actionPrefix = actionPrefix
            self.operations = operations
            self.patches = patches
        }
    }

    /// The botocore release the committed files were generated from.
    public var botocoreVersion: String
    public var services: [Service]

    public init(botocoreVersion: String, services: [Service]) {
        self.botocoreVersion = botocoreVersion
        self.services = services
    }

    public init(json: JSON) throws(JSONError) {
        guard let version = json["botocoreVersion"]?.string, let services = json["services"]?.array else {
            throw JSONError(message: "services.json: botocoreVersion and services are required")
        }
        botocoreVersion = version
        self.services = try services.map { (service: JSON) throws(JSONError) -> Service in
            func string(_ key: String) throws(JSONError) -> String {
                guard let value = service[key]?.string else {
                    throw JSONError(message: "services.json: a service lacks '\(key)'")
                }
                return value
            }
            let patches = try (service["patches"]?.array ?? []).map { (patch: JSON) throws(JSONError) -> Patch in
                guard let path = patch["path"]?.array?.compactMap(\.string), !path.isEmpty,
                    let comment = patch["comment"]?.string, !comment.isEmpty
                else { throw JSONError(message: "services.json: every patch needs a path and a comment") }
                let remove = patch["remove"]?.bool ?? false
                guard remove || patch["value"] != nil else {
                    throw JSONError(message: "services.json: patch \(path) needs a value or remove: true")
                }
                return Patch(path: path, value: remove ? nil : patch["value"], comment: comment)
            }
            return Service(
                model: try string("model"),
                namespace: try string("namespace"),
                module: try string("module"),
                serviceModelName: try string("serviceModelName"),
                actionPrefix: try string("actionPrefix"),
                operations: (service["operations"]?.array ?? []).compactMap(\.string),
                patches: patches
            )
        }
    }

    /// Applies the service's patches to a parsed model.
    public static func apply(_ patches: [Patch], to model: JSON) throws(JSONError) -> JSON {
        var result = model
        for patch in patches {
            if patch.path.count >= 2, result[patch.path[0]]?[patch.path[1]] == nil {
                throw JSONError(message: "services.json: patch \(patch.path) names a missing \(patch.path[0]) entry")
            }
            result = try result.setting(patch.path[...], to: patch.value)
        }
        return result
    }
}
