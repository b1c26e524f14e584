import MoatCore
import Testing

@Suite("ASCII text")
struct ASCIITextTests {
    @Test(arguments: [
        ("Authorization", "authorization", true), ("CONTENT-TYPE", "content-type", true), ("X-Amz-Date", "X-Amz-Date", true),
        ("Host", "Hosts", false), ("é", "É", false), ("", "", true), ("a", "b", false), ("[", "{", false), ("@", "`", false),
    ])
    func equalsIgnoringASCIICase(_ left: String, _ right: String, _ equal: Bool) {
        #expect(left.equalsIgnoringASCIICase(right) == equal)
        #expect(right.equalsIgnoringASCIICase(left) == equal)
    }

    @Test func hasPrefixIgnoringASCIICase() {
        #expect("Bearer abc".hasPrefixIgnoringASCIICase("bearer "))
        #expect("BEARER abc".hasPrefixIgnoringASCIICase("bearer "))
        #expect(!"Bear".hasPrefixIgnoringASCIICase("bearer "))
        #expect(!"Basic abc".hasPrefixIgnoringASCIICase("bearer "))
        #expect("anything".hasPrefixIgnoringASCIICase(""))
        #expect(!"[".hasPrefixIgnoringASCIICase("{"))  // 0x5B | 0x20 == 0x7B: only letters fold
    }

    @Test(arguments: [(" \ttoken \t", "token"), ("token", "token"), ("   ", ""), ("", ""), (" a b ", "a b"), ("\nx\n", "\nx\n")])
    func trimmingASCIIWhitespace(_ text: String, _ trimmed: String) {
        #expect(text.trimmingASCIIWhitespace() == trimmed)
    }
}
