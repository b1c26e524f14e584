import MoatCore
import Testing

@Suite("ASCII text")
struct ASCIITextTests {
    @Test(arguments: [
        ("Authorization", "authorization", true), ("CONTENT-TYPE", "content-type", true), ("X-Amz-Date", "X-Amz-Date", true),
        ("Host", "Hosts", false), ("é", "É", false), ("", "", true), ("a", "b", false),
    ])
    func equalsIgnoringASCIICase(_ left: String, _ right: String, _ equal: Bool) {
        #expect(left.equalsIgnoringASCIICase(right) == equal)
        #expect(right.equalsIgnoringASCIICase(left) == equal)
    }

    @Test(arguments: [(" \ttoken \t", "token"), ("token", "token"), ("   ", ""), ("", ""), (" a b ", "a b"), ("\nx\n", "\nx\n")])
    func trimmingASCIIWhitespace(_ text: String, _ trimmed: String) {
        #expect(text.trimmingASCIIWhitespace() == trimmed)
    }
}
