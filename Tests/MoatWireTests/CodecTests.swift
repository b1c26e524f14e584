import Foundation
import MoatCore
import Testing

@testable import MoatWire

@Suite("awsQuery codec")
struct QueryCodecTests {
    let decoder = QueryInputDecoder(schema: TestModels.schema)

    @Test func decodesScalarsListsAndMaps() throws {
        let parameters = FormEncoding.parse(
            "Action=CreateThing&Version=2020-01-01&Name=abc&Count=3&Enabled=true&Tags.member.2.Key=b&Tags.member.2.Value=y"
                + "&Tags.member.1.Key=a&Tags.member.1.Value=x&Attributes.entry.1.key=k&Attributes.entry.1.value=v"
                + "&When=2026-01-02T03%3A04%3A05Z"
        )
        let value = try decoder.decode(parameters: parameters, shape: "CreateThingRequest")
        #expect(value["Name"] == .string("abc"))
        #expect(value["Count"] == .integer(3))
        #expect(value["Enabled"] == .bool(true))
        #expect(
            value["Tags"]
                == .list([
                    .object(["Key": .string("a"), "Value": .string("x")]),
                    .object(["Key": .string("b"), "Value": .string("y")]),
                ])
        )
        #expect(value["Attributes"] == .object(["k": .string("v")]))
        #expect(value["When"] == .timestamp(Date(timeIntervalSince1970: 1_767_323_045)))
    }

    @Test func emptyListParameterIsAnEmptyList() throws {
        let value = try decoder.decode(parameters: [("Name", "abc"), ("Tags", "")], shape: "CreateThingRequest")
        #expect(value["Tags"] == .list([]))
    }

    @Test(arguments: [
        ("Count", "abc", "count"),
        ("Enabled", "yes", "enabled"),
        ("Tags.member.x.Key", "a", "tags"),
        ("Tags.member.0.Key", "a", "tags"),
    ])
    func refusesValuesOfTheWrongType(name: String, value: String, path: String) {
        #expect(throws: CodecError.self) {
            try decoder.decode(parameters: [(name, value)], shape: "CreateThingRequest")
        }
        do {
            _ = try decoder.decode(parameters: [(name, value)], shape: "CreateThingRequest")
        } catch {
            #expect(error.path == path)
        }
    }

    @Test func refusesDeeplyNestedNames() {
        let name = Array(repeating: "a", count: 40).joined(separator: ".")
        #expect(throws: CodecError.self) { try decoder.decode(parameters: [(name, "x")], shape: "CreateThingRequest") }
    }

    @Test func formDecodingHandlesPlusAndPercent() {
        let pairs = FormEncoding.parse("A=b+c&D=%2F%3D&E")
        #expect(pairs.map(\.0) == ["A", "D", "E"])
        #expect(pairs.map(\.1) == ["b c", "/=", ""])
    }

    @Test func writesResultWrapperListsAndRequestId() {
        let writer = QueryResponseWriter(schema: TestModels.schema, xmlNamespace: "https://things.example/doc/2020-01-01/")
        let output = WireValue.object([
            "Thing": .object([
                "Name": .string("a<b"),
                "Created": .timestamp(Date(timeIntervalSince1970: 0)),
                "Tags": .list([.object(["Key": .string("k"), "Value": .string("v")])]),
            ]),
            "Names": .list([.string("x"), .string("y")]),
        ])
        let xml = writer.response(operation: TestModels.createThing, output: output, requestId: "req-1")
        #expect(xml.contains("<CreateThingResponse xmlns=\"https://things.example/doc/2020-01-01/\"><CreateThingResult>"))
        #expect(xml.contains("<Thing><Name>a&lt;b</Name><Created>1970-01-01T00:00:00Z</Created><Tags><member><Key>k</Key><Value>v</Value></member></Tags></Thing>"))
        #expect(xml.contains("<Names><member>x</member><member>y</member></Names>"))
        #expect(xml.hasSuffix("<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateThingResponse>"))
    }

    @Test func writesErrorResponses() {
        let error = ServiceError(ErrorDescriptor(code: "NoSuchEntity", httpStatus: 404, isSenderFault: true), "Gone & lost")
        let xml = QueryResponseWriter.error(error, xmlNamespace: "ns", requestId: "r")
        #expect(
            xml.hasSuffix(
                "<ErrorResponse xmlns=\"ns\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>Gone &amp; lost</Message></Error>"
                    + "<RequestId>r</RequestId></ErrorResponse>"
            )
        )
    }
}

@Suite("JSON parsing and codec")
struct JSONCodecTests {
    @Test(arguments: [
        #"{"a":[1,2.5e3,-0],"b":"x\u00e9\n","c":null,"d":true}"#,
        #"[]"#, #"{}"#, #" "\ud83d\ude00" "#,
    ])
    func parsesValidDocuments(_ text: String) throws {
        _ = try JSONParser.parse(Array(text.utf8))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":}", "01", "\"\\x\"", "\"\u{01}\"", "tru", "{\"a\" 1}", "\"\\ud800\"", "1 2", "[\"a\"",
    ])
    func refusesInvalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func refusesDeepNesting() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func roundTripsThroughTheModel() throws {
        let codec = JSONShapeCodec(schema: TestModels.schema)
        let json = try JSONParser.parse(Array(#"{"Name":"abc","Count":2,"When":1700000000.5,"Tags":[{"Key":"k","Value":"v"}]}"#.utf8))
        let shape = try #require(TestModels.schema["CreateThingRequest"])
        let value = try codec.decodeStructure(json, shape: shape, path: "")
        #expect(value["When"] == .timestamp(Date(timeIntervalSince1970: 1_700_000_000.5)))
        var text = ""
        JSONWriter.write(codec.encodeStructure(value, shape: shape), into: &text)
        #expect(text == #"{"Name":"abc","Count":2,"Tags":[{"Key":"k","Value":"v"}],"When":1700000000.5}"#)
    }

    @Test func refusesMismatchedTypesNamingTheMember() throws {
        let codec = JSONShapeCodec(schema: TestModels.schema)
        let shape = try #require(TestModels.schema["CreateThingRequest"])
        let json = try JSONParser.parse(Array(#"{"Name":"abc","Count":"two"}"#.utf8))
        #expect(throws: CodecError.self) { try codec.decodeStructure(json, shape: shape, path: "") }
    }

    @Test func escapesControlCharacters() {
        var out = ""
        JSONWriter.quote("a\"\\\u{01}\n", into: &out)
        #expect(out == #""a\"\\\u0001\n""#)
    }
}

@Suite("restJson1 URI templates")
struct URITemplateTests {
    @Test func matchesLabelsAndGreedyLabels() {
        #expect(URITemplate("/things/{name}").match(path: "/things/a%20b", query: []) == ["name": "a b"])
        #expect(URITemplate("/things/{name}").match(path: "/things/a/b", query: []) == nil)
        #expect(URITemplate("/p/{proxy+}").match(path: "/p/a/b/c", query: []) == ["proxy": "a/b/c"])
        #expect(URITemplate("/things/{name}?versions").match(path: "/things/a", query: []) == nil)
        #expect(URITemplate("/things/{name}?versions").match(path: "/things/a", query: [("versions", "")]) == ["name": "a"])
    }

    @Test func literalTemplatesAreMoreSpecific() {
        #expect(URITemplate("/things/latest").specificity > URITemplate("/things/{name}").specificity)
    }
}

@Suite("model validation")
struct ValidationTests {
    let validator = ShapeValidator(schema: TestModels.schema)

    @Test func namesEveryViolationInAWSWording() {
        let input = WireValue.object([
            "Count": .integer(11),
            "Mode": .string("medium"),
            "Tags": .list([.object(["Key": .string("ABC"), "Value": .string("v")])]),
            "Secret": .string("abc"),
        ])
        let violations = validator.violations(of: input, shape: "CreateThingRequest")
        #expect(violations.contains("Value null at 'name' failed to satisfy constraint: Member must not be null"))
        #expect(violations.contains("Value '11' at 'count' failed to satisfy constraint: Member must have value less than or equal to 10"))
        #expect(violations.contains("Value 'medium' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [fast, slow]"))
        #expect(
            violations.contains("Value 'ABC' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+")
        )
        #expect(violations.contains("Value at 'secret' failed to satisfy constraint: Member must have length greater than or equal to 6"))
        #expect(ShapeValidator.message(for: violations)?.hasPrefix("5 validation errors detected: ") == true)
    }

    @Test func patternsMatchTheWholeValue() {
        let violations = validator.violations(of: .object(["Name": .string("abc1")]), shape: "CreateThingRequest")
        #expect(violations.count == 1)
        #expect(validator.violations(of: .object(["Name": .string("abc")]), shape: "CreateThingRequest").isEmpty)
    }
}

@Suite("wire helpers")
struct WireHelperTests {
    @Test(arguments: [
        ("X-Amz-Target", "x-amz-target", true), ("Host", "HOST", true), ("Host", "Hosts", false), ("a[", "A{", false),
        ("X-Amz-Date", "X-Amz-Datf", false), ("", "", true),
    ])
    func headerNamesIgnoreASCIICase(lhs: String, rhs: String, equal: Bool) {
        #expect(HeaderName.equal(lhs, rhs) == equal)
    }

    @Test(arguments: [(0.0, "1970-01-01T00:00:00Z"), (1_800_000_000.9, "2027-01-15T08:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z")])
    func timestampsAreISO8601InUTC(seconds: Double, text: String) {
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: seconds)) == text)
    }
}

@Suite("form encoding and request ids")
struct FormAndIdTests {
    @Test(arguments: [
        ("a%20b", "a b"), ("a+b", "a b"), ("%E2%9C%93", "✓"), ("100%", "100%"), ("%zz", "%zz"), ("%4", "%4"), ("%ff", "\u{FFFD}"),
        ("plain", "plain"),
    ])
    func unescapesLikeBrowsersAndBotocore(_ text: String, _ expected: String) {
        #expect(FormEncoding.unescape(Array(text.utf8)) == expected)
    }

    @Test func requestIdsAreVersionFourUUIDs() {
        let ids = (0..<100).map { _ in RequestId.make() }
        #expect(Set(ids).count == 100)
        for id in ids {
            #expect(UUID(uuidString: id) != nil)
            #expect(id == id.lowercased())
            #expect(Array(id)[14] == "4")
        }
    }
}

@Suite("XML escaping")
struct XMLEscapeTests {
    @Test(arguments: [
        ("plain", "plain"), ("a&b<c>\"'", "a&amp;b&lt;c&gt;&quot;&apos;"), ("line\nbreak\ttab\rcr", "line\nbreak\ttab&#xD;cr"),
        ("\u{01}x\u{1F}", "\u{FFFD}x\u{FFFD}"), ("\u{FFFE}\u{FFFF}é", "\u{FFFD}\u{FFFD}é"),
    ])
    func producesWellFormedXML(_ text: String, _ expected: String) {
        #expect(QueryResponseWriter.escape(text) == expected)
    }
}

@Suite("timestamps out of range")
struct TimestampRangeTests {
    @Test(arguments: ["1e400", "1e300", "-1e300", "253402300800", "NaN"])
    func epochSecondsOutsideFourDigitYearsAreRefused(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func farDatesAreWrittenWithoutTrapping() {
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 1e300)) == "9999-12-31T23:59:59Z")
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: -62_135_596_800)) == "0001-01-01T00:00:00Z")
    }

    @Test func aJSONTimestampOutOfRangeIsAValidationError() throws {
        let codec = JSONShapeCodec(schema: TestModels.schema)
        let shape = try #require(TestModels.schema["CreateThingRequest"])
        let json = try JSONParser.parse(Array(#"{"Name":"abc","When":1e400}"#.utf8))
        #expect(throws: CodecError.self) { try codec.decodeStructure(json, shape: shape, path: "") }
    }
}

@Suite("timestamps in the Gregorian calendar")
struct GregorianTimestampTests {
    @Test(arguments: ["1013-01-01T00:00:00Z", "0003-01-01T00:00:00Z", "2026-11-21T20:00:00Z", "1582-10-10T12:00:00Z"])
    func isoTimestampsRoundTripBeforeAndAfter1582(_ text: String) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(Timestamp.iso8601(date) == text)
    }

    @Test func httpDatesAreWrittenByHand() throws {
        #expect(Timestamp.httpDate(Date(timeIntervalSince1970: 1_767_225_600)) == "Thu, 01 Jan 2026 00:00:00 GMT")
        #expect(Timestamp.httpDate(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        let parsed = try #require(Timestamp.parse("Thu, 01 Jan 2026 00:00:00 GMT"))
        #expect(parsed.timeIntervalSince1970 == 1_767_225_600)
    }
}

@Suite("null members")
struct NullMemberTests {
    @Test func aNullListMemberIsAValidationError() throws {
        let validator = ShapeValidator(schema: TestModels.schema)
        let input = WireValue.object(["Name": .string("abc"), "Tags": .list([.null])])
        #expect(validator.violations(of: input, shape: "CreateThingRequest") == [
            "Value null at 'tags.1.member' failed to satisfy constraint: Member must not be null"
        ])
    }
}
