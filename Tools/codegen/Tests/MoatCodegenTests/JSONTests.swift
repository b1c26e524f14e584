import MoatCodegen
import Testing

@Suite struct JSONTests {
    @Test func keepsMemberOrder() throws {
        let json = try JSONParser.parse(#"{"b": 1, "a": [true, null, "x"], "c": {"z": 1.5, "y": -2e3}}"#)
        #expect(json.objectMembers?.map(\.0) == ["b", "a", "c"])
        #expect(json["c"]?.objectMembers?.map(\.0) == ["z", "y"])
        #expect(json["a"] == .array([.bool(true), .null, .string("x")]))
        #expect(json["c"]?["y"]?.number == -2000)
        #expect(json["b"]?.int == 1)
    }

    @Test func decodesEscapes() throws {
        let json = try JSONParser.parse(#""a\"b\\c\/d\n\u0041\u00e9\ud83d\ude00""#)
        #expect(json.string == "a\"b\\c/d\nAé😀")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "1 2", "{\"a\":1,}"])
    func rejectsMalformedInput(text: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }

    @Test func setsAndRemovesByPath() throws {
        let json = try JSONParser.parse(#"{"shapes": {"E": {"type": "structure", "error": {"code": "E"}}}}"#)
        let set = try json.setting(["shapes", "E", "error", "httpStatusCode"], to: .number(409))
        #expect(set["shapes"]?["E"]?["error"]?["httpStatusCode"]?.int == 409)
        #expect(set["shapes"]?["E"]?["error"]?.objectMembers?.map(\.0) == ["code", "httpStatusCode"])
        let created = try json.setting(["shapes", "E", "retryable", "throttling"], to: .bool(true))
        #expect(created["shapes"]?["E"]?["retryable"]?["throttling"] == .bool(true))
        let removed = try json.setting(["shapes", "E", "error"], to: nil)
        #expect(removed["shapes"]?["E"]?["error"] == nil)
        #expect(throws: JSONError.self) { try json.setting(["shapes", "E", "missing"], to: nil) }
        #expect(throws: JSONError.self) { try json.setting(["shapes", "E", "type", "x"], to: .null) }
    }
}
