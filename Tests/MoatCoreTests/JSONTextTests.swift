import Foundation
@testable import MoatCore
import Testing

@Suite struct JSONTextTests {
    func quoted(_ text: String) -> String {
        var out = ""
        JSONWriter.quote(text, into: &out)
        return out
    }

    @Test func escapesOnlyWhatJSONRequires() {
        #expect(quoted("plain ascii / text") == #""plain ascii / text""#)
        #expect(quoted("a\"b\\c") == #""a\"b\\c""#)
        #expect(quoted("line\nfeed\r\ttab\u{08}\u{0C}") == #""line\nfeed\r\ttab\b\f""#)
        #expect(quoted("\u{01}\u{1F}") == #""\u0001\u001f""#)
        #expect(quoted("") == #""""#)
        #expect(quoted("naïve 日本 🙂") == "\"naïve 日本 🙂\"")
    }

    /// A combining mark after an escaped character makes one Character of the two: the writer must still emit the
    /// escape once and the mark once, not re-take the quote as part of the next run.
    @Test func combiningMarksAfterEscapesStayEscaped() throws {
        for text in ["\"\u{301}x", "\\\u{301}", "a\r\nb", "\n\u{20DD}", "x\"\u{301}\"\u{301}"] {
            let out = quoted(text)
            #expect(try JSONParser.parse(Array(out.utf8)) == .string(text), "\(out)")
        }
    }

    @Test func parsesStringsWithAndWithoutEscapes() throws {
        #expect(try JSONParser.parse(Array(#""no escapes here""#.utf8)) == .string("no escapes here"))
        #expect(try JSONParser.parse(Array(#""a\"b\\c\/d\n\u00e9\ud83d\ude42""#.utf8)) == .string("a\"b\\c/d\né🙂"))
        #expect(try JSONParser.parse(Array("\"日本\\t語\"".utf8)) == .string("日本\t語"))
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array("\"a\u{01}\"".utf8)) }
    }

    @Test func writerAndParserRoundTripEveryScalarClass() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = ["a", "\"", "\\", "\n", "\r", "\u{00}", "\u{1F}", "\u{7F}", "é", "\u{301}", "\u{2028}", "日", "🙂", "/"]
        for _ in 0..<500 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                scalars.append(alphabet.randomElement(using: &generator)!)
            }
            let text = String(scalars)
            let value = JSONValue.object([("k\"\u{301}", .string(text))])
            var out = ""
            JSONWriter.write(value, into: &out)
            #expect(try JSONParser.parse(Array(out.utf8)) == value, "\(out)")
        }
    }
}
