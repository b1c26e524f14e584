// The @testable imports need a build with testing enabled: debug builds, and the fuzz build of scripts/fuzz.sh.
#if DEBUG || MOAT_FUZZING
import Foundation
import MoatCore
import MoatIAM
@testable import MoatWire

#if canImport(FoundationXML)
import FoundationXML
#endif

/// awsQuery: one input is a form body (`Action=CreateUser&UserName=bob&Tags.member.1.Key=team`).
///
/// Each input goes through the whole endpoint twice, signed as a form POST and unsigned as a GET query string, with
/// the generated IAM and STS models; then straight through the query decoder and validator for whichever operation it
/// names (also those Moat does not implement, which the endpoint refuses before decoding), and against a small model
/// with every shape the IAM model lacks (maps, flattened members, timestamps, blobs, numbers).
///
/// Invariants: no trap; every response is well-formed XML with a request id and no internal failure; input that
/// passes validation decodes into the generated request type.
struct QueryFuzz: Sendable {
    /// Built once: the endpoint caches compiled model patterns across requests, as it does when serving.
    static let shared = QueryFuzz()

    let endpoint: FuzzEndpoint
    let iam = ServiceCodec(model: .iam)
    let sts = ServiceCodec(model: .sts)
    let iamValidator = ShapeValidator(schema: ServiceModel.iam.schema)
    let stsValidator = ShapeValidator(schema: ServiceModel.sts.schema)
    let everything = QueryInputDecoder(schema: QueryShapes.schema)
    let everythingValidator = ShapeValidator(schema: QueryShapes.schema)

    init() {
        let run: @Sendable (String, WireValue) throws -> WireValue = { operation, input in
            QueryFuzz.requireTypedDecoding(operation, input)
            return .object([:])
        }
        endpoint = FuzzEndpoint(services: [FuzzEndpoint.binding(.iam, run: run), FuzzEndpoint.binding(.sts, run: run)])
    }

    func run(_ bytes: [UInt8]) {
        let text = FuzzDriver.text(bytes)
        let parameters = FormEncoding.parse(Substring(text))
        let action = parameters.first { $0.0 == "Action" }?.1 ?? ""
        let service = ServiceModel.sts.operations[action] != nil ? "sts" : "iam"

        let post = FuzzRequest(
            method: "POST",
            path: "/",
            query: "",
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")],
            body: bytes
        )
        let signed = endpoint.handle(FuzzSigner.sign(post, service: service))
        check(signed)
        FuzzEndpoint.requireVerified(signed, query: post.query)
        // Without `Action` a GET is no query request: it is answered as an unknown restJson1 route.
        let get = endpoint.handle(FuzzRequest(method: "GET", path: "/", query: text, headers: [], body: []))
        if parameters.contains(where: { $0.0 == "Action" }) { check(get) } else { FuzzEndpoint.check(get) }

        for (codec, validator) in [(iam, iamValidator), (sts, stsValidator)] {
            guard let operation = codec.model.operations[action], let input = operation.input else { continue }
            let wire = WireRequest(method: "POST", path: "/", query: "", headers: [], body: bytes, sourceIp: "192.0.2.1")
            guard let value = try? codec.decodeInput(wire, operation: operation, queryParameters: parameters, labels: [:]) else { continue }
            if validator.violations(of: value, shape: input).isEmpty {
                Self.requireTypedDecoding(action, value)
            }
        }

        if let value = try? everything.decode(parameters: parameters, shape: QueryShapes.root) {
            FuzzCompare.requireWritableTimestamps(value)
            if everythingValidator.violations(of: value, shape: QueryShapes.root).isEmpty {
                do {
                    _ = try WireValueDecoder().decode(QueryShapes.Everything.self, from: value)
                } catch {
                    FuzzDriver.require(false, "valid input does not decode: \(error)")
                }
            }
        }
    }

    private func check(_ response: WireResponse) {
        FuzzEndpoint.check(response)
        FuzzDriver.require(response.header("Content-Type") == "text/xml", "query response is not XML")
        Self.requireWellFormedXML(response.body)
    }

    /// Characters XML 1.0 cannot carry, even as references (control characters other than tab, CR and LF, U+FFFE, U+FFFF).
    static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    static func requireWellFormedXML(_ body: [UInt8]) {
        #if canImport(FoundationXML) || canImport(Darwin)
        let parser = XMLParser(data: Data(body))
        if parser.parse() { return }
        let text = FuzzDriver.text(body)
        if let bad = text.unicodeScalars.first(where: { !isXMLCharacter($0) }) {
            let code = String(bad.value, radix: 16, uppercase: true)
            FuzzDriver.require(false, "query response carries U+\(code), not allowed in XML 1.0: \(text)")
        }
        FuzzDriver.require(false, "query response is not well-formed XML (\(parser.parserError.map { "\($0)" } ?? "?")): \(text)")
        #endif
    }

    /// Input that passed validation must decode into the generated request type, as the generated handler does.
    static func requireTypedDecoding(_ operation: String, _ input: WireValue) {
        guard let decode = typedDecoders[operation] else { return }
        do {
            try decode(input)
        } catch {
            FuzzDriver.require(false, "validated \(operation) input does not decode: \(error)")
        }
    }

    private static func decoder<T: Decodable & Sendable>(_ type: T.Type) -> @Sendable (WireValue) throws -> Void {
        { value in _ = try WireValueDecoder().decode(T.self, from: value) }
    }

    static let typedDecoders: [String: @Sendable (WireValue) throws -> Void] = [
        "AttachRolePolicy": decoder(IAM.AttachRolePolicyRequest.self),
        "AttachUserPolicy": decoder(IAM.AttachUserPolicyRequest.self),
        "CreateAccessKey": decoder(IAM.CreateAccessKeyRequest.self),
        "CreatePolicy": decoder(IAM.CreatePolicyRequest.self),
        "CreatePolicyVersion": decoder(IAM.CreatePolicyVersionRequest.self),
        "CreateRole": decoder(IAM.CreateRoleRequest.self),
        "CreateUser": decoder(IAM.CreateUserRequest.self),
        "DeleteAccessKey": decoder(IAM.DeleteAccessKeyRequest.self),
        "DeletePolicy": decoder(IAM.DeletePolicyRequest.self),
        "DeletePolicyVersion": decoder(IAM.DeletePolicyVersionRequest.self),
        "DeleteRolePolicy": decoder(IAM.DeleteRolePolicyRequest.self),
        "DeleteRole": decoder(IAM.DeleteRoleRequest.self),
        "DeleteUserPolicy": decoder(IAM.DeleteUserPolicyRequest.self),
        "DeleteUser": decoder(IAM.DeleteUserRequest.self),
        "DetachRolePolicy": decoder(IAM.DetachRolePolicyRequest.self),
        "DetachUserPolicy": decoder(IAM.DetachUserPolicyRequest.self),
        "GetAccessKeyLastUsed": decoder(IAM.GetAccessKeyLastUsedRequest.self),
        "GetPolicy": decoder(IAM.GetPolicyRequest.self),
        "GetPolicyVersion": decoder(IAM.GetPolicyVersionRequest.self),
        "GetRolePolicy": decoder(IAM.GetRolePolicyRequest.self),
        "GetRole": decoder(IAM.GetRoleRequest.self),
        "GetUserPolicy": decoder(IAM.GetUserPolicyRequest.self),
        "GetUser": decoder(IAM.GetUserRequest.self),
        "ListAccessKeys": decoder(IAM.ListAccessKeysRequest.self),
        "ListAttachedRolePolicies": decoder(IAM.ListAttachedRolePoliciesRequest.self),
        "ListAttachedUserPolicies": decoder(IAM.ListAttachedUserPoliciesRequest.self),
        "ListPolicies": decoder(IAM.ListPoliciesRequest.self),
        "ListPolicyVersions": decoder(IAM.ListPolicyVersionsRequest.self),
        "ListRolePolicies": decoder(IAM.ListRolePoliciesRequest.self),
        "ListRoleTags": decoder(IAM.ListRoleTagsRequest.self),
        "ListRoles": decoder(IAM.ListRolesRequest.self),
        "ListUserPolicies": decoder(IAM.ListUserPoliciesRequest.self),
        "ListUserTags": decoder(IAM.ListUserTagsRequest.self),
        "ListUsers": decoder(IAM.ListUsersRequest.self),
        "PutRolePolicy": decoder(IAM.PutRolePolicyRequest.self),
        "PutUserPolicy": decoder(IAM.PutUserPolicyRequest.self),
        "SetDefaultPolicyVersion": decoder(IAM.SetDefaultPolicyVersionRequest.self),
        "SimulateCustomPolicy": decoder(IAM.SimulateCustomPolicyRequest.self),
        "SimulatePrincipalPolicy": decoder(IAM.SimulatePrincipalPolicyRequest.self),
        "TagRole": decoder(IAM.TagRoleRequest.self),
        "TagUser": decoder(IAM.TagUserRequest.self),
        "UntagRole": decoder(IAM.UntagRoleRequest.self),
        "UntagUser": decoder(IAM.UntagUserRequest.self),
        "UpdateAccessKey": decoder(IAM.UpdateAccessKeyRequest.self),
        "UpdateAssumeRolePolicy": decoder(IAM.UpdateAssumeRolePolicyRequest.self),
        "UpdateRole": decoder(IAM.UpdateRoleRequest.self),
        "UpdateUser": decoder(IAM.UpdateUserRequest.self),
        "AssumeRole": decoder(STS.AssumeRoleRequest.self),
        "GetCallerIdentity": decoder(STS.GetCallerIdentityRequest.self),
        "GetSessionToken": decoder(STS.GetSessionTokenRequest.self),
    ]
}

/// A query model with the shapes the IAM model lacks, and its request type.
enum QueryShapes {
    static let root = "Everything"

    static let schema = ShapeSchema([
        Shape(
            name: "Everything",
            type: .structure,
            members: [
                ShapeMember(name: "Name", shape: "Name"),
                ShapeMember(name: "Count", shape: "Count"),
                ShapeMember(name: "Total", shape: "Total"),
                ShapeMember(name: "Ratio", shape: "Ratio"),
                ShapeMember(name: "Enabled", shape: "Flag"),
                ShapeMember(name: "When", shape: "Stamp"),
                ShapeMember(name: "Data", shape: "Bytes"),
                ShapeMember(name: "Mode", shape: "Mode"),
                ShapeMember(name: "Tags", shape: "TagList"),
                ShapeMember(name: "Items", shape: "ItemList"),
                ShapeMember(name: "Flat", shape: "NameList", isFlattened: true),
                ShapeMember(name: "Matrix", shape: "Matrix"),
                ShapeMember(name: "Attributes", shape: "Attributes"),
                ShapeMember(name: "Entries", shape: "Entries"),
                ShapeMember(name: "FlatMap", shape: "FlatAttributes"),
                ShapeMember(name: "Child", shape: "Everything", locationName: "Nested"),
            ]
        ),
        Shape(name: "Tag", type: .structure, members: [
            ShapeMember(name: "Key", shape: "Name", isRequired: true), ShapeMember(name: "Value", shape: "Name"),
        ]),
        Shape(name: "TagList", type: .list, member: ShapeReference(shape: "Tag"), max: 5),
        Shape(name: "NameList", type: .list, member: ShapeReference(shape: "Name")),
        Shape(name: "ItemList", type: .list, member: ShapeReference(shape: "Count", locationName: "item")),
        Shape(name: "Matrix", type: .list, member: ShapeReference(shape: "NameList"), max: 4),
        Shape(name: "Attributes", type: .map, key: ShapeReference(shape: "Name"), value: ShapeReference(shape: "Name"), max: 5),
        Shape(
            name: "Entries",
            type: .map,
            key: ShapeReference(shape: "Name", locationName: "Id"),
            value: ShapeReference(shape: "Tag", locationName: "Body")
        ),
        Shape(
            name: "FlatAttributes",
            type: .map,
            key: ShapeReference(shape: "Name"),
            value: ShapeReference(shape: "Ratio"),
            isFlattened: true
        ),
        Shape(name: "Name", type: .string, min: 1, max: 16, pattern: #"[\w+=,.@-]+"#),
        Shape(name: "Count", type: .integer, min: -5, max: 100),
        Shape(name: "Total", type: .long),
        Shape(name: "Ratio", type: .double, min: 0, max: 1),
        Shape(name: "Flag", type: .boolean),
        Shape(name: "Stamp", type: .timestamp),
        Shape(name: "Bytes", type: .blob, max: 64),
        Shape(name: "Mode", type: .string, enumValues: ["fast", "slow"]),
    ])

    /// What the code generator would write for `Everything`.
    struct Everything: Decodable {
        struct Tag: Decodable {
            var key: String
            var value: String?
            private enum CodingKeys: String, CodingKey {
                case key = "Key"
                case value = "Value"
            }
        }

        struct Mode: RawRepresentable, Decodable {
            var rawValue: String
        }

        var name: String?
        var count: Int?
        var total: Int64?
        var ratio: Double?
        var enabled: Bool?
        var when: Date?
        var data: Data?
        var mode: Mode?
        var tags: [Tag]?
        var items: [Int]?
        var flat: [String]?
        var matrix: [[String]]?
        var attributes: [String: String]?
        var entries: [String: Tag]?
        var flatMap: [String: Double]?
        var child: Box?

        private enum CodingKeys: String, CodingKey {
            case name = "Name"
            case count = "Count"
            case total = "Total"
            case ratio = "Ratio"
            case enabled = "Enabled"
            case when = "When"
            case data = "Data"
            case mode = "Mode"
            case tags = "Tags"
            case items = "Items"
            case flat = "Flat"
            case matrix = "Matrix"
            case attributes = "Attributes"
            case entries = "Entries"
            case flatMap = "FlatMap"
            case child = "Child"
        }
    }

    /// Breaks the recursion of `Everything` (a struct cannot contain itself).
    final class Box: Decodable {
        let value: Everything
        required init(from decoder: any Decoder) throws { value = try Everything(from: decoder) }
    }
}
#else
import Foundation
#endif

#if MOAT_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    QueryFuzz.shared.run(FuzzDriver.bytes(data, size))
    return 0
}
#elseif DEBUG
@main
enum QueryReplay {
    static func main() {
        exit(FuzzDriver.replay(Array(CommandLine.arguments.dropFirst()), QueryFuzz.shared.run))
    }
}
#else
@main
enum QueryReplay {
    static func main() {
        FileHandle.standardError.write(Data("MoatFuzzQuery replays inputs in debug builds only; fuzz with scripts/fuzz.sh.\n".utf8))
        exit(69)
    }
}
#endif
