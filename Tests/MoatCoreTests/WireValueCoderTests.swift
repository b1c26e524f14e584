import Foundation
import MoatCore
import Testing

@Suite struct WireValueCoderTests {
    let created = Date(timeIntervalSince1970: 1_700_000_000)

    var user: User {
        User(
            path: "/",
            userName: "alice",
            createDate: created,
            passwordLastUsed: nil,
            tags: [Tag(key: "team", value: "blue")],
            status: .active
        )
    }

    @Test func encodesStructuresWithModelNamesAndOmitsNil() throws {
        let value = try WireValueEncoder().encode(user)
        #expect(
            value
                == .object([
                    "Path": .string("/"),
                    "UserName": .string("alice"),
                    "CreateDate": .timestamp(created),
                    "Tags": .list([.object(["Key": .string("team"), "Value": .string("blue")])]),
                    "Status": .string("Active"),
                ])
        )
    }

    @Test func roundTripsAResponseWithLists() throws {
        var other = user
        other.userName = "bob"
        other.tags = []
        other.status = nil
        other.passwordLastUsed = created.addingTimeInterval(60)
        let response = ListUsersResponse(users: [user, other], isTruncated: false, marker: nil)
        let value = try WireValueEncoder().encode(response)
        #expect(value["Users"].map { if case .list(let users) = $0 { users.count } else { 0 } } == 2)
        #expect(value["Marker"] == nil)
        #expect(try WireValueDecoder().decode(ListUsersResponse.self, from: value) == response)
    }

    @Test func decodesUnknownEnumValues() throws {
        var value = try WireValueEncoder().encode(user)
        if case .object(var members) = value {
            members["Status"] = .string("SomethingNew")
            value = .object(members)
        }
        let decoded = try WireValueDecoder().decode(User.self, from: value)
        #expect(decoded.status == StatusType(rawValue: "SomethingNew"))
        #expect(decoded.status != .active)
    }

    @Test func treatsNullAndMissingAsNil() throws {
        let value = WireValue.object([
            "Path": .string("/"),
            "UserName": .string("alice"),
            "CreateDate": .timestamp(created),
            "PasswordLastUsed": .null,
        ])
        let decoded = try WireValueDecoder().decode(User.self, from: value)
        #expect(decoded.passwordLastUsed == nil)
        #expect(decoded.tags == nil)
    }

    @Test func roundTripsScalarsBlobsMapsAndDocuments() throws {
        let scalars = Scalars(
            int: -3,
            int8: -8,
            uint8: 255,
            int64: .max,
            uint64: 42,
            double: 2.5,
            float: 1.5,
            bool: true,
            blob: Data([0, 1, 2, 255]),
            map: ["a": 1, "b": 2],
            nested: [["x"], [], ["y", "z"]],
            optionals: ["a", nil, "c"],
            document: .object(["k": .list([.integer(1), .string("two"), .null, .bool(false)])])
        )
        let value = try WireValueEncoder().encode(scalars)
        #expect(value["blob"] == .blob(Data([0, 1, 2, 255])))
        #expect(value["map"] == .object(["a": .integer(1), "b": .integer(2)]))
        #expect(value["optionals"] == .list([.string("a"), .null, .string("c")]))
        #expect(value["document"] == scalars.document)
        #expect(try WireValueDecoder().decode(Scalars.self, from: value) == scalars)
    }

    @Test func acceptsIntegersForFloatingPointAndNumbersForDates() throws {
        let scalars = try WireValueDecoder().decode(
            Scalars.self,
            from: .object(["int": .integer(1), "double": .integer(7), "float": .integer(3)])
        )
        #expect(scalars.double == 7)
        #expect(scalars.float == 3)
        #expect(try WireValueDecoder().decode(Date.self, from: .integer(1_700_000_000)) == created)
        #expect(try WireValueDecoder().decode(Date.self, from: .double(1_700_000_000)) == created)
    }

    @Test func encodesEmptyValuesAsEmptyObjects() throws {
        #expect(try WireValueEncoder().encode(Empty()) == .object([:]))
        #expect(try WireValueDecoder().decode(Empty.self, from: .object([:])) == Empty())
    }

    @Test func encodesTopLevelScalarsAndCollections() throws {
        #expect(try WireValueEncoder().encode("text") == .string("text"))
        #expect(try WireValueEncoder().encode(created) == .timestamp(created))
        #expect(try WireValueEncoder().encode([1, 2]) == .list([.integer(1), .integer(2)]))
        #expect(try WireValueEncoder().encode(["k": "v"]) == .object(["k": .string("v")]))
        #expect(try WireValueDecoder().decode([String: String].self, from: .object(["k": .string("v")])) == ["k": "v"])
        #expect(try WireValueDecoder().decode(String?.self, from: .null) == nil)
    }

    @Test func rejectsUnsignedValuesBeyondInt64() {
        #expect(throws: EncodingError.self) { try WireValueEncoder().encode(UInt64.max) }
    }

    // MARK: Errors

    /// The coding path of a decoding error, as dotted names (`Users.Index 1.UserName`).
    func path(of error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): context = c
        case .keyNotFound(let key, let c):
            return (c.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        @unknown default: return ""
        }
        return context.codingPath.map(\.stringValue).joined(separator: ".")
    }

    func decodingError<T: Decodable>(_ type: T.Type, from value: WireValue) -> DecodingError? {
        do {
            _ = try WireValueDecoder().decode(type, from: value)
            return nil
        } catch let error as DecodingError {
            return error
        } catch {
            return nil
        }
    }

    @Test func reportsTypeMismatchesWithTheirPath() throws {
        var second = try WireValueEncoder().encode(user)
        if case .object(var members) = second {
            members["UserName"] = .integer(7)
            second = .object(members)
        }
        let value = WireValue.object(["Users": .list([try WireValueEncoder().encode(user), second])])
        let error = try #require(decodingError(ListUsersResponse.self, from: value))
        guard case .typeMismatch(let type, let context) = error else {
            Issue.record("expected a type mismatch, got \(error)")
            return
        }
        #expect(type is String.Type)
        #expect(path(of: error) == "Users.Index 1.UserName")
        #expect(context.debugDescription == "Expected a string but found an integer")
    }

    @Test func reportsMissingRequiredMembers() throws {
        let error = try #require(decodingError(User.self, from: .object(["Path": .string("/")])))
        guard case .keyNotFound(let key, _) = error else {
            Issue.record("expected a missing key, got \(error)")
            return
        }
        #expect(key.stringValue == "UserName")
    }

    @Test func reportsNullForRequiredMembers() throws {
        let value = WireValue.object(["Path": .null, "UserName": .string("a"), "CreateDate": .timestamp(created)])
        let error = try #require(decodingError(User.self, from: value))
        guard case .valueNotFound = error else {
            Issue.record("expected a missing value, got \(error)")
            return
        }
        #expect(path(of: error) == "Path")
    }

    @Test(arguments: [
        (WireValue.object(["int": .integer(1), "int8": .integer(200)]), "int8"),
        (WireValue.object(["int": .integer(1), "uint8": .integer(-1)]), "uint8"),
        (WireValue.object(["int": .integer(1), "uint64": .integer(-5)]), "uint64"),
    ])
    func rejectsIntegersOutOfRange(value: WireValue, member: String) throws {
        let error = try #require(decodingError(Scalars.self, from: value))
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected corrupted data, got \(error)")
            return
        }
        #expect(path(of: error) == member)
        #expect(context.debugDescription.contains("does not fit"))
    }

    @Test(arguments: [
        (WireValue.object(["int": .double(1.5)]), "int"),
        (WireValue.object(["int": .string("1")]), "int"),
        (WireValue.object(["int": .integer(1), "bool": .string("true")]), "bool"),
        (WireValue.object(["int": .integer(1), "blob": .string("AAEC")]), "blob"),
        (WireValue.object(["int": .integer(1), "map": .list([])]), "map"),
        (WireValue.object(["int": .integer(1), "nested": .list([.list([.integer(1)])])]), "nested.Index 0.Index 0"),
        (WireValue.list([]), ""),
    ])
    func rejectsMismatchedKinds(value: WireValue, expectedPath: String) throws {
        let error = try #require(decodingError(Scalars.self, from: value))
        guard case .typeMismatch = error else {
            Issue.record("expected a type mismatch, got \(error)")
            return
        }
        #expect(path(of: error) == expectedPath)
    }

    @Test func rejectsTimestampsOfTheWrongKind() throws {
        let value = WireValue.object(["Path": .string("/"), "UserName": .string("a"), "CreateDate": .string("2024-01-01")])
        let error = try #require(decodingError(User.self, from: value))
        #expect(path(of: error) == "CreateDate")
    }

    @Test func documentsRoundTripThroughJSON() throws {
        let document = WireValue.object(["a": .list([.integer(1), .double(1.5), .string("s"), .bool(true), .null])])
        let json = try JSONEncoder().encode(document)
        #expect(try JSONDecoder().decode(WireValue.self, from: json) == document)
    }
}

extension WireValueCoderTests {
    /// Types shaped like the generated ones (model member names in `CodingKeys`, open enums, optionals).
    struct StatusType: RawRepresentable, Codable, Sendable, Hashable {
        var rawValue: String
        init(rawValue: String) { self.rawValue = rawValue }
        static let active = StatusType(rawValue: "Active")
        static let inactive = StatusType(rawValue: "Inactive")
    }

    struct Tag: Codable, Equatable {
        var key: String
        var value: String

        private enum CodingKeys: String, CodingKey {
            case key = "Key"
            case value = "Value"
        }
    }

    struct User: Codable, Equatable {
        var path: String
        var userName: String
        var createDate: Date
        var passwordLastUsed: Date?
        var tags: [Tag]?
        var status: StatusType?

        private enum CodingKeys: String, CodingKey {
            case path = "Path"
            case userName = "UserName"
            case createDate = "CreateDate"
            case passwordLastUsed = "PasswordLastUsed"
            case tags = "Tags"
            case status = "Status"
        }
    }

    struct ListUsersResponse: Codable, Equatable {
        var users: [User]
        var isTruncated: Bool?
        var marker: String?

        private enum CodingKeys: String, CodingKey {
            case users = "Users"
            case isTruncated = "IsTruncated"
            case marker = "Marker"
        }
    }

    struct Scalars: Codable, Equatable {
        var int: Int
        var int8: Int8?
        var uint8: UInt8?
        var int64: Int64?
        var uint64: UInt64?
        var double: Double?
        var float: Float?
        var bool: Bool?
        var blob: Data?
        var map: [String: Int]?
        var nested: [[String]]?
        var optionals: [String?]?
        var document: WireValue?
    }

    struct Empty: Codable, Equatable {}
}
