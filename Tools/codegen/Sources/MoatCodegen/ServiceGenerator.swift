/// One generated source file.
public struct GeneratedFile: Sendable, Equatable {
    public var name: String
    public var contents: String
}

public struct GeneratorError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// Generates the five files of one service: shapes, schema, model, errors and operations.
public struct ServiceGenerator {
    let service: Configuration.Service
    let model: BotocoreModel
    let botocoreVersion: String
    /// `iam/2010-05-08`: the model folder and date, for the header.
    let modelPath: String

    let implemented: [BotocoreModel.Operation]
    /// Structure and enum shapes that get Swift types, in model order.
    let typeShapes: [String]
    /// Shapes listed in the schema, sorted by name.
    let schemaShapes: [String]
    /// Swift type names of structure and enum shapes.
    let typeNames: [String: String]
    /// Static names in `Errors` of the error shapes.
    let errorNames: [String: String]
    /// Error shapes in model order.
    let errorShapes: [String]
    /// `shape.member` pairs stored in an indirect box, to break cycles of structures.
    let boxedMembers: Set<String>

    var namespace: String { service.namespace }

    public init(service: Configuration.Service, model: BotocoreModel, botocoreVersion: String, modelDate: String) throws {
        self.service = service
        self.model = model
        self.botocoreVersion = botocoreVersion
        self.modelPath = "\(service.model)/\(modelDate)"

        guard BotocoreModel.supportedProtocols.contains(model.metadata.wireProtocol) else {
            throw GeneratorError(description: "\(service.model): unsupported protocol '\(model.metadata.wireProtocol)'")
        }
        var implemented: [BotocoreModel.Operation] = []
        for name in service.operations {
            guard let operation = model.operation(named: name) else {
                throw GeneratorError(description: "\(service.model): services.json names unknown operation '\(name)'")
            }
            implemented.append(operation)
        }
        if Set(service.operations).count != service.operations.count {
            throw GeneratorError(description: "\(service.model): services.json lists an operation twice")
        }
        self.implemented = implemented

        for name in model.shapeNames {
            let shape = model.shapes[name]!
            for reference in shape.members.map(\.shape) + [shape.member, shape.key, shape.value].compactMap({ $0?.shape })
            where model.shapes[reference] == nil {
                throw GeneratorError(description: "\(service.model): shape '\(name)' refers to missing shape '\(reference)'")
            }
        }
        for operation in model.operations {
            for reference in [operation.input, operation.output].compactMap({ $0 }) + operation.errors
            where model.shapes[reference] == nil {
                throw GeneratorError(description: "\(service.model): operation '\(operation.name)' refers to missing '\(reference)'")
            }
        }

        let roots = implemented.flatMap { [$0.input, $0.output].compactMap { $0 } }
        let typeReachable = Self.closure(from: roots, in: model, followKeys: false)
        self.typeShapes = model.shapeNames.filter { name in
            guard typeReachable.contains(name), let shape = model.shapes[name] else { return false }
            return (shape.type == "structure" && !shape.isDocument) || (shape.type == "string" && shape.enumValues != nil)
        }
        let errorShapes = model.shapeNames.filter { model.shapes[$0]!.isException || model.shapes[$0]!.error != nil }
        self.errorShapes = errorShapes
        self.schemaShapes = Self.closure(from: roots + errorShapes, in: model, followKeys: true).sorted()

        var usedTypeNames = Naming.reservedTypeNames
        usedTypeNames.insert(service.namespace)
        var typeNames: [String: String] = [:]
        for name in model.shapeNames {
            let shape = model.shapes[name]!
            guard (shape.type == "structure" && !shape.isDocument) || (shape.type == "string" && shape.enumValues != nil)
            else { continue }
            var candidate = Naming.upperCamel(name)
            if Naming.reservedTypeNames.contains(candidate) || candidate == service.namespace { candidate += "Shape" }
            typeNames[name] = Naming.unique(candidate, in: &usedTypeNames)
        }
        self.typeNames = typeNames

        var usedErrorNames: Set<String> = []
        var errorNames: [String: String] = [:]
        for name in errorShapes {
            errorNames[name] = Naming.unique(Naming.errorName(name), in: &usedErrorNames)
        }
        self.errorNames = errorNames
        self.boxedMembers = Self.cycleMembers(structures: typeShapes, in: model)
    }

    /// Every shape reachable from `roots` through members, list members, map values (and keys when asked).
    static func closure(from roots: [String], in model: BotocoreModel, followKeys: Bool) -> Set<String> {
        var seen: Set<String> = []
        var stack = roots
        while let name = stack.popLast() {
            guard !seen.contains(name), let shape = model.shapes[name] else { continue }
            seen.insert(name)
            stack.append(contentsOf: shape.members.map(\.shape))
            if let member = shape.member { stack.append(member.shape) }
            if let value = shape.value { stack.append(value.shape) }
            if followKeys, let key = shape.key { stack.append(key.shape) }
        }
        return seen
    }

    /// Members that hold a structure of their own strongly connected component (a value-type cycle), as `Shape.Member`.
    static func cycleMembers(structures: [String], in model: BotocoreModel) -> Set<String> {
        let structureSet = Set(structures.filter { model.shapes[$0]?.type == "structure" })
        func edges(_ name: String) -> [String] {
            model.shapes[name]!.members.map(\.shape).filter { structureSet.contains($0) }
        }
        // Tarjan's algorithm, iterative over a sorted node list for determinism.
        var index = 0
        var indices: [String: Int] = [:]
        var lowlink: [String: Int] = [:]
        var onStack: Set<String> = []
        var stack: [String] = []
        var component: [String: Int] = [:]
        var componentCount = 0
        func strongConnect(_ node: String) {
            indices[node] = index
            lowlink[node] = index
            index += 1
            stack.append(node)
            onStack.insert(node)
            for next in edges(node) {
                if indices[next] == nil {
                    strongConnect(next)
                    lowlink[node] = min(lowlink[node]!, lowlink[next]!)
                } else if onStack.contains(next) {
                    lowlink[node] = min(lowlink[node]!, indices[next]!)
                }
            }
            if lowlink[node] == indices[node] {
                while let top = stack.popLast() {
                    onStack.remove(top)
                    component[top] = componentCount
                    if top == node { break }
                }
                componentCount += 1
            }
        }
        for node in structureSet.sorted() where indices[node] == nil {
            strongConnect(node)
        }
        var boxed: Set<String> = []
        for node in structureSet {
            for member in model.shapes[node]!.members where structureSet.contains(member.shape) {
                if component[member.shape] == component[node] {
                    boxed.insert("\(node).\(member.name)")
                }
            }
        }
        return boxed
    }

    // MARK: - Files

    public func files() -> [GeneratedFile] {
        [
            GeneratedFile(name: "\(namespace)+Shapes.swift", contents: shapesFile()),
            GeneratedFile(name: "\(namespace)+Schema.swift", contents: schemaFile()),
            GeneratedFile(name: "\(namespace)+Model.swift", contents: modelFile()),
            GeneratedFile(name: "\(namespace)+Errors.swift", contents: errorsFile()),
            GeneratedFile(name: "\(namespace)+Operations.swift", contents: operationsFile()),
        ]
    }

    var header: String {
        "// Generated by Tools/codegen from botocore \(botocoreVersion) (\(modelPath)). Do not edit."
    }

    static func render(_ lines: [String]) -> String {
        lines.joined(separator: "\n") + "\n"
    }

    // MARK: Swift types

    /// The Swift type of a value of shape `name`.
    func swiftType(_ name: String) -> String {
        let shape = model.shapes[name]!
        switch shape.type {
        case "structure":
            return shape.isDocument ? "WireValue" : typeNames[name]!
        case "list":
            return "[\(swiftType(shape.member!.shape))]"
        case "map":
            return "[String: \(swiftType(shape.value!.shape))]"
        case "string":
            return shape.enumValues != nil ? typeNames[name]! : "String"
        case "integer": return "Int"
        case "long": return "Int64"
        case "boolean": return "Bool"
        case "double", "float": return "Double"
        case "timestamp": return "Date"
        case "blob": return "Data"
        default: return "WireValue"
        }
    }

    /// Whether a value of shape `name` must be hidden from descriptions.
    func isSensitive(_ name: String) -> Bool {
        var seen: Set<String> = []
        func check(_ name: String) -> Bool {
            guard !seen.contains(name), let shape = model.shapes[name] else { return false }
            seen.insert(name)
            if shape.isSensitive { return true }
            if shape.type == "list", let member = shape.member { return check(member.shape) && isScalar(member.shape) }
            if shape.type == "map", let value = shape.value { return check(value.shape) && isScalar(value.shape) }
            return false
        }
        return check(name)
    }

    func isScalar(_ name: String) -> Bool {
        let type = model.shapes[name]!.type
        return !["structure", "list", "map"].contains(type)
    }

    struct MemberInfo {
        var member: BotocoreModel.Member
        var swiftName: String
        var type: String
        var isRequired: Bool
        var isBoxed: Bool
        var isSensitive: Bool

        var declaredType: String { isRequired ? type : "\(type)?" }
        var escaped: String { Naming.escaped(swiftName) }
    }

    func memberInfos(_ shape: BotocoreModel.Shape) -> [MemberInfo] {
        var used: Set<String> = []
        return shape.members.map { member in
            let swiftName = Naming.unique(Naming.lowerCamel(member.name), in: &used)
            return MemberInfo(
                member: member,
                swiftName: swiftName,
                type: swiftType(member.shape),
                isRequired: shape.required.contains(member.name),
                isBoxed: boxedMembers.contains("\(shape.name).\(member.name)"),
                isSensitive: member.isSensitive || isSensitive(member.shape)
            )
        }
    }

    func shapesFile() -> String {
        var lines = [header]
        let allTypes = typeShapes.flatMap { name in memberInfos(model.shapes[name]!).map(\.type) }
        let usesFoundation = allTypes.contains { $0.contains("Date") || $0.contains("Data") }
        let usesCore = allTypes.contains { $0.contains("WireValue") }
        if usesFoundation { lines.append("public import Foundation") }
        if usesCore { lines.append("public import MoatCore") }
        lines.append("")
        lines.append("/// The \(service.model) service: generated shapes, schema and errors.")
        lines.append("public enum \(namespace) {}")
        var redacted: [String] = []
        for name in typeShapes {
            let shape = model.shapes[name]!
            lines.append("")
            if shape.type == "string" {
                lines.append(contentsOf: enumLines(shape))
            } else {
                lines.append(contentsOf: structLines(shape))
                if memberInfos(shape).contains(where: \.isSensitive) { redacted.append(name) }
            }
        }
        for name in redacted {
            lines.append("")
            lines.append(contentsOf: redactionLines(model.shapes[name]!))
        }
        if !boxedMembers.isEmpty {
            lines.append("")
            lines.append("/// Holds a member whose type contains itself, so that the structure keeps a finite size.")
            lines.append("private final class IndirectBox<Wrapped: Sendable & Equatable>: Sendable, Equatable {")
            lines.append("    let value: Wrapped")
            lines.append("")
            lines.append("    init(_ value: Wrapped) {")
            lines.append("        self.value = value")
            lines.append("    }")
            lines.append("")
            lines.append("    static func == (lhs: IndirectBox, rhs: IndirectBox) -> Bool {")
            lines.append("        lhs.value == rhs.value")
            lines.append("    }")
            lines.append("}")
        }
        return Self.render(lines)
    }

    func enumLines(_ shape: BotocoreModel.Shape) -> [String] {
        let typeName = typeNames[shape.name]!
        var lines = [
            "extension \(namespace) {",
            "    /// The `\(shape.name)` values of the model; other values decode too, and validation refuses them.",
            "    public struct \(typeName): RawRepresentable, Codable, Sendable, Hashable {",
            "        public var rawValue: String",
            "",
            "        public init(rawValue: String) {",
            "            self.rawValue = rawValue",
            "        }",
            "",
        ]
        var used: Set<String> = ["rawValue", "init"]
        for value in shape.enumValues ?? [] {
            let name = Naming.escaped(Naming.unique(Naming.enumCase(value), in: &used))
            let line = "        public static let \(name) = \(typeName)(rawValue: \(Naming.stringLiteral(value)))"
            if line.count <= Formatting.lineLimit {
                lines.append(line)
            } else {
                lines.append("        public static let \(name) =")
                lines.append("            \(typeName)(rawValue: \(Naming.stringLiteral(value)))")
            }
        }
        lines.append("    }")
        lines.append("}")
        return lines
    }

    func structLines(_ shape: BotocoreModel.Shape) -> [String] {
        let typeName = typeNames[shape.name]!
        let members = memberInfos(shape)
        var lines = [
            "extension \(namespace) {",
            "    /// The `\(shape.name)` structure.",
        ]
        let declaration = "    public struct \(typeName): Codable, Sendable, Equatable {"
        if declaration.count <= Formatting.lineLimit {
            lines.append(declaration)
        } else {
            lines.append("    public struct \(typeName):")
            lines.append("        Codable, Sendable, Equatable")
            lines.append("    {")
        }
        for info in members {
            if info.isBoxed {
                lines.append("        public var \(info.escaped): \(info.declaredType) {")
                if info.isRequired {
                    lines.append("            get { _\(info.swiftName).value }")
                    lines.append("            set { _\(info.swiftName) = IndirectBox(newValue) }")
                } else {
                    lines.append("            get { _\(info.swiftName)?.value }")
                    lines.append("            set { _\(info.swiftName) = newValue.map(IndirectBox.init) }")
                }
                lines.append("        }")
            } else {
                lines.append("        public var \(info.escaped): \(info.declaredType)")
            }
        }
        for info in members where info.isBoxed {
            let boxType = "IndirectBox<\(info.type)>" + (info.isRequired ? "" : "?")
            lines.append("        private var _\(info.swiftName): \(boxType)")
        }
        if !members.isEmpty { lines.append("") }

        // Memberwise initializer.
        let parameters = members.map { info in
            "\(info.escaped): \(info.declaredType)" + (info.isRequired ? "" : " = nil")
        }
        let singleInit = "        public init(\(parameters.joined(separator: ", "))) {"
        if members.isEmpty {
            lines.append("        public init() {}")
        } else if singleInit.count <= Formatting.lineLimit {
            lines.append(singleInit)
        } else {
            lines.append("        public init(")
            for (index, parameter) in parameters.enumerated() {
                lines.append("            \(parameter)" + (index == parameters.count - 1 ? "" : ","))
            }
            lines.append("        ) {")
        }
        for info in members {
            if info.isBoxed {
                let wrap = info.isRequired ? "IndirectBox(\(info.escaped))" : "\(info.escaped).map(IndirectBox.init)"
                lines.append("            self._\(info.swiftName) = \(wrap)")
            } else {
                lines.append("            self.\(info.escaped) = \(info.escaped)")
            }
        }
        if !members.isEmpty { lines.append("        }") }

        if !members.isEmpty {
            lines.append("")
            lines.append("        private enum CodingKeys: String, CodingKey {")
            for info in members {
                lines.append("            case \(info.escaped) = \(Naming.stringLiteral(info.member.name))")
            }
            lines.append("        }")
        }

        if members.contains(where: \.isBoxed) {
            lines.append("")
            lines.append("        public init(from decoder: any Decoder) throws {")
            lines.append("            let container = try decoder.container(keyedBy: CodingKeys.self)")
            for info in members {
                let decode = info.isRequired ? "decode" : "decodeIfPresent"
                let expression = "try container.\(decode)(\(info.type).self, forKey: .\(info.escaped))"
                let target = info.isBoxed ? "self._\(info.swiftName)" : "self.\(info.escaped)"
                var value = expression
                if info.isBoxed {
                    value = info.isRequired ? "IndirectBox(\(expression))" : "\(expression).map(IndirectBox.init)"
                }
                let line = "            \(target) = \(value)"
                if line.count <= Formatting.lineLimit {
                    lines.append(line)
                } else {
                    lines.append("            \(target) =")
                    lines.append("                \(value)")
                }
            }
            lines.append("        }")
            lines.append("")
            lines.append("        public func encode(to encoder: any Encoder) throws {")
            lines.append("            var container = encoder.container(keyedBy: CodingKeys.self)")
            for info in members {
                let encode = info.isRequired ? "encode" : "encodeIfPresent"
                lines.append("            try container.\(encode)(self.\(info.escaped), forKey: .\(info.escaped))")
            }
            lines.append("        }")
        }
        lines.append("    }")
        lines.append("}")
        return lines
    }

    func redactionLines(_ shape: BotocoreModel.Shape) -> [String] {
        let typeName = "\(namespace).\(typeNames[shape.name]!)"
        var lines = [
            "extension \(typeName): CustomReflectable {",
            "    /// Describes the value with its sensitive members masked.",
            "    public var customMirror: Mirror {",
            "        Mirror(",
            "            self,",
            "            children: [",
        ]
        for info in memberInfos(shape) {
            let value = info.isSensitive ? "\"*** sensitive ***\"" : "self.\(info.escaped)"
            let line = "                (\(Naming.stringLiteral(info.swiftName)), \(value) as Any),"
            if line.count <= Formatting.lineLimit {
                lines.append(line)
            } else {
                lines.append("                (")
                lines.append("                    \(Naming.stringLiteral(info.swiftName)),")
                lines.append("                    \(value) as Any")
                lines.append("                ),")
            }
        }
        lines.append(contentsOf: [
            "            ],",
            "            displayStyle: .struct",
            "        )",
            "    }",
            "}",
        ])
        return lines
    }

    // MARK: Schema

    func schemaFile() -> String {
        var lines = [
            header,
            "public import MoatCore",
            "",
            "extension \(namespace) {",
            "    /// The shapes reachable from the implemented operations, and every error shape of the model.",
            "    public static let schema = ShapeSchema(schemaShapes())",
            "",
            "    private static func schemaShapes() -> [Shape] {",
            "        var shapes: [Shape] = []",
            "        shapes.reserveCapacity(\(schemaShapes.count))",
        ]
        for name in schemaShapes {
            lines.append(contentsOf: shapeLiteral(model.shapes[name]!))
        }
        lines.append("        return shapes")
        lines.append("    }")
        lines.append("}")
        return Self.render(lines)
    }

    static let shapeTypes: [String: String] = [
        "structure": "structure", "list": "list", "map": "map", "string": "string", "integer": "integer", "long": "long",
        "boolean": "boolean", "double": "double", "float": "float", "timestamp": "timestamp", "blob": "blob",
    ]

    static func number(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    func shapeLiteral(_ shape: BotocoreModel.Shape) -> [String] {
        let indent = "        "
        let arguments: [(label: String?, value: Argument)] = [
            ("name", .plain(Naming.stringLiteral(shape.name))),
            ("type", .plain("." + (Self.shapeTypes[shape.type] ?? "structure"))),
        ]
        var memberLines: [String] = []
        if !shape.members.isEmpty {
            for member in shape.members {
                var memberArguments: [(label: String?, value: Argument)] = [
                    ("name", .plain(Naming.stringLiteral(member.name))),
                    ("shape", .plain(Naming.stringLiteral(member.shape))),
                ]
                if let location = member.location, location != "body" {
                    memberArguments.append(("location", .plain(".\(location)")))
                }
                if let locationName = member.locationName {
                    memberArguments.append(("locationName", .plain(Naming.stringLiteral(locationName))))
                }
                if shape.required.contains(member.name) { memberArguments.append(("isRequired", .plain("true"))) }
                if shape.payload == member.name { memberArguments.append(("isPayload", .plain("true"))) }
                if member.isFlattened { memberArguments.append(("isFlattened", .plain("true"))) }
                if member.isJSONValue { memberArguments.append(("isJSONValue", .plain("true"))) }
                if let format = member.timestampFormat {
                    memberArguments.append(("timestampFormat", .plain(Naming.stringLiteral(format))))
                }
                memberLines.append(
                    contentsOf: Formatting.call("ShapeMember", memberArguments, indent: indent + "            ", suffix: ",")
                )
            }
        }
        func reference(_ reference: BotocoreModel.Reference?) -> Argument? {
            guard let reference else { return nil }
            var referenceArguments = [Naming.stringLiteral(reference.shape)]
            if let locationName = reference.locationName {
                referenceArguments.append("locationName: \(Naming.stringLiteral(locationName))")
            }
            return .plain(
                "ShapeReference(shape: \(referenceArguments[0])"
                    + (referenceArguments.count > 1 ? ", \(referenceArguments[1]))" : ")")
            )
        }
        var trailing: [(label: String?, value: Argument)] = []
        if let member = reference(shape.member) { trailing.append(("member", member)) }
        if let key = reference(shape.key) { trailing.append(("key", key)) }
        if let value = reference(shape.value) { trailing.append(("value", value)) }
        if let min = shape.min { trailing.append(("min", .plain(Self.number(min)))) }
        if let max = shape.max { trailing.append(("max", .plain(Self.number(max)))) }
        if let pattern = shape.pattern { trailing.append(("pattern", .plain(Naming.stringLiteral(pattern)))) }
        if let values = shape.enumValues { trailing.append(("enumValues", .array(values.map(Naming.stringLiteral)))) }
        if shape.isFlattened { trailing.append(("isFlattened", .plain("true"))) }
        if shape.isSensitive { trailing.append(("isSensitive", .plain("true"))) }
        if let format = shape.timestampFormat {
            trailing.append(("timestampFormat", .plain(Naming.stringLiteral(format))))
        }
        if let errorName = errorNames[shape.name] { trailing.append(("error", .plain("Errors.\(Naming.escaped(errorName))"))) }
        if shape.isDocument { trailing.append(("isDocument", .plain("true"))) }
        if shape.isUnion { trailing.append(("isUnion", .plain("true"))) }
        if shape.isStreaming { trailing.append(("isStreaming", .plain("true"))) }

        if memberLines.isEmpty {
            return Formatting.call("Shape", arguments + trailing, indent: indent, prefix: "shapes.append(", suffix: ")")
        }
        var lines = ["\(indent)shapes.append("]
        lines.append("\(indent)    Shape(")
        let inner = indent + "        "
        lines.append(contentsOf: arguments.map { "\(inner)\($0.label!): \($0.value.inline)," })
        lines.append("\(inner)members: [")
        lines.append(contentsOf: memberLines)
        lines.append("\(inner)]" + (trailing.isEmpty ? "" : ","))
        for (index, argument) in trailing.enumerated() {
            let separator = index == trailing.count - 1 ? "" : ","
            lines.append("\(inner)\(argument.label!): \(argument.value.inline)\(separator)")
        }
        lines.append("\(indent)    )")
        lines.append("\(indent))")
        return lines
    }

    // MARK: Errors

    /// The descriptor of an error shape: code from `error.code` (else the shape name); status from
    /// `error.httpStatusCode`, else 500 for `fault` shapes and 400 for the rest; sender fault from `error.senderFault`,
    /// else from the status.
    func errorDescriptor(_ shape: BotocoreModel.Shape) -> (code: String, status: Int, isSenderFault: Bool) {
        let code = shape.error?.code ?? shape.name
        let status = shape.error?.httpStatusCode ?? (shape.isFault ? 500 : 400)
        let isSenderFault = shape.error?.senderFault ?? !(shape.isFault || status >= 500)
        return (code, status, isSenderFault)
    }

    func errorsFile() -> String {
        var lines = [
            header,
            "public import MoatCore",
            "",
            "extension \(namespace) {",
            "    /// The errors of the \(service.model) model, by shape name minus `Exception`.",
            "    public enum Errors {",
        ]
        for (index, name) in errorShapes.enumerated() {
            let descriptor = errorDescriptor(model.shapes[name]!)
            if index > 0 { lines.append("") }
            lines.append("        /// `\(name)`")
            lines.append(
                contentsOf: Formatting.call(
                    "ErrorDescriptor",
                    [
                        ("code", .plain(Naming.stringLiteral(descriptor.code))),
                        ("httpStatus", .plain(String(descriptor.status))),
                        ("isSenderFault", .plain(String(descriptor.isSenderFault))),
                    ],
                    indent: "        ",
                    prefix: "public static let \(Naming.escaped(errorNames[name]!)) = "
                )
            )
        }
        lines.append("    }")
        lines.append("}")
        return Self.render(lines)
    }

    // MARK: Model

    func modelFile() -> String {
        let metadata = model.metadata
        let operationsFunction = "\(service.serviceModelName)Operations"
        let protocolCase: String =
            switch metadata.wireProtocol {
            case "json": ".json"
            case "rest-json": ".restJSON"
            default: ".query"
            }
        func optional(_ value: String?) -> String {
            value.map(Naming.stringLiteral) ?? "nil"
        }
        var lines = [
            header,
            "public import MoatCore",
            "",
            "extension ServiceModel {",
            "    /// The \(service.model) service model (API version \(metadata.apiVersion)).",
            "    public static let \(Naming.escaped(service.serviceModelName)) = ServiceModel(",
            "        name: \(Naming.stringLiteral(service.model)),",
            "        signingName: \(Naming.stringLiteral(metadata.signingName ?? metadata.endpointPrefix)),",
            "        actionPrefix: \(Naming.stringLiteral(service.actionPrefix)),",
            "        wireProtocol: \(protocolCase),",
            "        apiVersion: \(Naming.stringLiteral(metadata.apiVersion)),",
            "        targetPrefix: \(optional(metadata.targetPrefix)),",
            "        jsonVersion: \(optional(metadata.jsonVersion)),",
            "        xmlNamespace: \(optional(metadata.xmlNamespace)),",
            "        botocoreVersion: \(Naming.stringLiteral(botocoreVersion)),",
            "        schema: \(namespace).schema,",
            "        operations: \(operationsFunction)()",
            "    )",
            "",
            "    private static func \(operationsFunction)() -> [OperationDescriptor] {",
            "        var operations: [OperationDescriptor] = []",
            "        operations.reserveCapacity(\(model.operations.count))",
        ]
        let implementedNames = Set(service.operations)
        for operation in model.operations {
            var arguments: [(label: String?, value: Argument)] = [("name", .plain(Naming.stringLiteral(operation.name)))]
            if operation.httpMethod != "POST" {
                arguments.append(("httpMethod", .plain(Naming.stringLiteral(operation.httpMethod))))
            }
            if operation.requestURI != "/" {
                arguments.append(("requestURI", .plain(Naming.stringLiteral(operation.requestURI))))
            }
            if let code = operation.responseCode, code != 200 {
                arguments.append(("successStatus", .plain(String(code))))
            }
            if let input = operation.input { arguments.append(("input", .plain(Naming.stringLiteral(input)))) }
            if let output = operation.output { arguments.append(("output", .plain(Naming.stringLiteral(output)))) }
            if let wrapper = operation.resultWrapper {
                arguments.append(("resultWrapper", .plain(Naming.stringLiteral(wrapper))))
            }
            if !operation.errors.isEmpty {
                arguments.append(("errors", .array(operation.errors.map(Naming.stringLiteral))))
            }
            if !operation.requiresAuthentication { arguments.append(("requiresAuthentication", .plain("false"))) }
            if implementedNames.contains(operation.name) { arguments.append(("isImplemented", .plain("true"))) }
            lines.append(
                contentsOf: Formatting.call(
                    "OperationDescriptor",
                    arguments,
                    indent: "        ",
                    prefix: "operations.append(",
                    suffix: ")"
                )
            )
        }
        lines.append("        return operations")
        lines.append("    }")
        lines.append("}")
        return Self.render(lines)
    }

    // MARK: Operations

    func methodName(_ operation: BotocoreModel.Operation) -> String {
        Naming.escaped(Naming.lowerCamel(operation.name))
    }

    func operationsFile() -> String {
        let protocolName = "\(namespace)Operations"
        var lines = [
            header,
            "public import MoatCore",
            "",
            "/// The \(service.model) operations Moat implements. The domain conforms; the wire layer calls",
            "/// ``\(protocolName)/operationHandlers()``.",
            "public protocol \(protocolName): Sendable {",
        ]
        for (index, operation) in implemented.enumerated() {
            if index > 0 { lines.append("") }
            var parameters: [String] = []
            if let input = operation.input { parameters.append("_ input: \(namespace).\(typeNames[input]!)") }
            parameters.append("context: OperationContext")
            let result = operation.output.map { " -> \(namespace).\(typeNames[$0]!)" } ?? ""
            lines.append("    /// `\(operation.name)`")
            let single = "    func \(methodName(operation))(\(parameters.joined(separator: ", "))) async throws\(result)"
            if single.count <= Formatting.lineLimit {
                lines.append(single)
            } else {
                lines.append("    func \(methodName(operation))(")
                for (index, parameter) in parameters.enumerated() {
                    lines.append("        \(parameter)" + (index == parameters.count - 1 ? "" : ","))
                }
                lines.append("    ) async throws\(result)")
            }
        }
        lines.append(contentsOf: [
            "}",
            "",
            "extension \(protocolName) {",
            "    /// Handlers of the implemented operations, by operation name. Each decodes its input with",
            "    /// `WireValueDecoder` (a `DecodingError` is thrown as is), calls the operation and encodes its output with",
            "    /// `WireValueEncoder` (an empty object when the operation has none).",
            "    public func operationHandlers() -> [String: OperationHandler] {",
            "        var handlers: [String: OperationHandler] = [:]",
        ])
        for operation in implemented {
            lines.append("        handlers[\(Naming.stringLiteral(operation.name))] = OperationHandler { input, context in")
            var call = "self.\(methodName(operation))("
            if let input = operation.input {
                let type = "\(namespace).\(typeNames[input]!)"
                let line = "            let request = try WireValueDecoder().decode(\(type).self, from: input)"
                if line.count <= Formatting.lineLimit {
                    lines.append(line)
                } else {
                    lines.append("            let request = try WireValueDecoder().decode(")
                    lines.append("                \(type).self,")
                    lines.append("                from: input")
                    lines.append("            )")
                }
                call += "request, "
            } else {
                lines.append("            _ = input")
            }
            call += "context: context)"
            if operation.output != nil {
                lines.append("            let response = try await \(call)")
                lines.append("            return try WireValueEncoder().encode(response)")
            } else {
                lines.append("            try await \(call)")
                lines.append("            return .object([:])")
            }
            lines.append("        }")
        }
        lines.append("        return handlers")
        lines.append("    }")
        lines.append("}")
        return Self.render(lines)
    }
}
