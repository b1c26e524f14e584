import Foundation
import MoatCognito
import Testing

@Suite struct CognitoTimestampTests {
    // Pairs printed by python's strftime("%a %b %-d %H:%M:%S UTC %Y") in UTC.
    @Test(
        arguments: [
            (1_795_306_354, "Sun Nov 22 00:12:34 UTC 2026"),
            (1_793_588_645, "Mon Nov 2 03:04:05 UTC 2026"),
            (1_835_481_599, "Tue Feb 29 23:59:59 UTC 2028"),
            (0, "Thu Jan 1 00:00:00 UTC 1970"),
        ] as [(Int64, String)])
    func formatsAndParsesCognitosSpelling(seconds: Int64, text: String) {
        #expect(CognitoTimestamp.format(epochSeconds: seconds) == text)
        #expect(CognitoTimestamp.format(Date(timeIntervalSince1970: Double(seconds) + 0.999)) == text)
        #expect(CognitoTimestamp.parse(text) == Date(timeIntervalSince1970: Double(seconds)))
    }

    @Test(arguments: [
        "Mon Nov 02 03:04:05 UTC 2026",  // padded day: what Cognito refuses
        "Tue Nov 2 03:04:05 UTC 2026",  // weekday of another date
        "Mon Nov 2 3:04:05 UTC 2026",
        "Mon Nov 2 03:04:05 GMT 2026",
        "Mon Nov  2 03:04:05 UTC 2026",
        "Mon Nov 2 03:04:05 UTC 2026 ",
        "mon nov 2 03:04:05 UTC 2026",
        "Mon Nov 2 24:00:00 UTC 2026",
        "Mon Nov 2 03:60:05 UTC 2026",
        "Sat Feb 30 03:04:05 UTC 2027",
        "Mon Nov 2 03:04:05 UTC 26",
        "Mon Nov +2 03:04:05 UTC 2026",
        "",
    ])
    func refusesEveryOtherSpelling(text: String) {
        #expect(CognitoTimestamp.parse(text) == nil)
        #expect(!CognitoTimestamp.isWellFormed(text))
    }

    @Test func roundTripsEveryDayOfSeveralYears() {
        var seconds: Int64 = 1_700_000_000
        while seconds < 1_900_000_000 {
            let text = CognitoTimestamp.format(epochSeconds: seconds)
            #expect(CognitoTimestamp.parse(text) == Date(timeIntervalSince1970: Double(seconds)), "\(text)")
            seconds += 86_400 + 3_599
        }
    }
}
