import Foundation
import MoatCore
import Testing

@testable import MoatWire

@Suite struct SigV4CanonicalTests {
    @Test(arguments: [
        ("", "/"), ("/", "/"), ("//", "/"), ("/./", "/"), ("/..", "/"), ("/a/..", "/"), ("/a/../..", "/"),
        ("/a/./b/../c", "/a/c"), ("//a//b//", "/a/b/"), ("/a/b/", "/a/b/"), ("/a/.", "/a"),
        ("/example space/", "/example%20space/"), ("/a%20b", "/a%2520b"), ("/%E1%88%B4", "/%25E1%2588%25B4"),
        ("/ሴ", "/%E1%88%B4"), ("/-._~AZaz09", "/-._~AZaz09"), ("/a+b=c:d@e", "/a%2Bb%3Dc%3Ad%40e"), ("/%2e%2e/x", "/%252e%252e/x"),
    ])
    func canonicalURIRemovesDotSegmentsAndEncodesAgain(rawPath: String, expected: String) {
        #expect(SigV4Canonical.canonicalURI(rawPath: rawPath) == expected)
    }

    @Test(arguments: [
        ("", ""), ("b=2&a=1", "a=1&b=2"), ("a=2&a=1&a=10", "a=1&a=10&a=2"), ("flag", "flag="), ("empty=", "empty="),
        ("a=1&&b=2&", "a=1&b=2"), ("a=b+c", "a=b%2Bc"), ("a=%20", "a=%20"), ("%7e=%41", "~=A"), ("a=%zz%", "a=%25zz%25"),
        ("ሴ=bar", "%E1%88%B4=bar"), ("B=1&a=1&_=1&~=1&-=1", "-=1&B=1&_=1&a=1&~=1"), ("a=x=y", "a=x%3Dy"),
        ("Marker=a%20b%2Fc%2Bd%3De", "Marker=a%20b%2Fc%2Bd%3De"), ("a=%e1%88%b4", "a=%E1%88%B4"),
    ])
    func canonicalQuerySortsEncodedPairs(rawQuery: String, expected: String) {
        #expect(SigV4Canonical.canonicalQuery(SigV4Canonical.queryParameters(rawQuery: rawQuery)) == expected)
    }

    @Test func canonicalQueryLeavesOutThePresignedSignature() {
        let parameters = SigV4Canonical.queryParameters(rawQuery: "X-Amz-Signature=abc&b=1&X-Amz-Date=1")
        #expect(SigV4Canonical.canonicalQuery(parameters, excluding: "X-Amz-Signature") == "X-Amz-Date=1&b=1")
        #expect(SigV4Canonical.canonicalQuery(parameters) == "X-Amz-Date=1&X-Amz-Signature=abc&b=1")
    }

    @Test func canonicalHeadersTrimCollapseAndJoin() {
        let headers: [(name: String, value: String)] = [
            ("Host", "example.com"), ("X-Multi", " a "), ("x-multi", "b   c"), ("X-Space", "\t  one \t two\n three  "),
            ("X-Unsigned", "ignored"), (" X-Padded ", "v"),
        ]
        let block = SigV4Canonical.canonicalHeaders(
            signedHeaders: ["host", "x-absent", "x-multi", "x-padded", "x-space"],
            headers: headers
        )
        #expect(block == "host:example.com\nx-absent:\nx-multi:a,b c\nx-padded:v\nx-space:one two three\n")
    }

    @Test func headerNamesMatchOnlyASCIICaseInsensitively() {
        #expect(SigV4Canonical.headerName("X-AMZ-DATE", equals: Array("x-amz-date".utf8)))
        // The Kelvin sign lowercases to "k" in Unicode; a header name must not.
        #expect(!SigV4Canonical.headerName("\u{212A}ey", equals: Array("key".utf8)))
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
    }

    /// The signing key of AWS's documented example (IAM User Guide, "Examples of how to derive a signing key").
    @Test func signingKeyOfTheDocumentedExample() {
        let key = SigV4Signing.signingKey(
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            scope: SigV4Credential(accessKeyId: "AKIDEXAMPLE", date: "20120215", region: "us-east-1", service: "iam")
        )
        #expect(Hex.lowercase(SigV4Signing.bytes(of: key)) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }
}

@Suite struct SigV4DateTests {
    @Test(arguments: [
        ("19700101T000000Z", 0), ("20150830T123600Z", 1_440_938_160), ("20240229T235959Z", 1_709_251_199),
        ("20000301T000000Z", 951_868_800), ("99991231T235959Z", 253_402_300_799),
    ])
    func basicFormatRoundTrips(text: String, seconds: Int) {
        #expect(SigV4Date.parseBasic(text) == seconds)
        #expect(SigV4Date.formatBasic(seconds) == text)
    }

    @Test(arguments: [
        "", "20150830T123600", "20150830t123600Z", "2015-08-30T12:36:00Z", "20151330T123600Z", "20150229T000000Z", "21000229T000000Z",
        "20150800T000000Z", "20150830T243600Z", "20150830T126000Z", "20150830T123660Z", "2015083OT123600Z", "+0150830T123600Z",
        "20150830T123600Z ", "２０１５0830T123600Z",
    ])
    func basicFormatRefuses(_ text: String) {
        #expect(SigV4Date.parseBasic(text) == nil)
    }

    @Test func formatsDatesBefore1970() {
        #expect(SigV4Date.formatBasic(-1) == "19691231T235959Z")
    }

    @Test(arguments: [
        ("Sun, 30 Aug 2015 12:36:00 GMT", 1_440_938_160), ("Sun, 30 Aug 2015 12:36:00 -0000", 1_440_938_160),
        ("Sun, 30 Aug 2015 14:36:00 +0200", 1_440_938_160), ("30 aug 2015 12:36:00 UTC", 1_440_938_160),
        ("Thu, 1 Jan 2026 00:00:00 GMT", 1_767_225_600),
    ])
    func httpDates(text: String, seconds: Int) {
        #expect(SigV4Date.parseHTTPDate(text) == seconds)
    }

    @Test(arguments: [
        "", "Sun, 30 Aug 2015 12:36:00", "Sun, 30 Foo 2015 12:36:00 GMT", "Sun, 31 Sep 2015 12:36:00 GMT",
        "Sun, 30 Aug 2015 12:36 GMT", "Sun, 30 Aug 15 12:36:00 GMT", "Sun, 30 Aug 2015 12:36:00 EST", "Sunday, 30-Aug-15 12:36:00 GMT",
    ])
    func httpDatesRefused(_ text: String) {
        #expect(SigV4Date.parseHTTPDate(text) == nil)
    }
}
