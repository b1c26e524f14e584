import Foundation
import Testing

@testable import MoatTokenVerifier

/// The fetcher's decisions without I/O: when to fetch, when to answer from memory, when to refuse.
@Suite struct JWKSFetcherStateMachineTests {
    typealias Machine = JWKSFetcher.StateMachine
    let start = Claims.now

    func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    func isFetch(_ decision: Machine.Decision) -> Bool { if case .fetch = decision { true } else { false } }
    func isUse(_ decision: Machine.Decision) -> Bool { if case .use = decision { true } else { false } }
    func isFail(_ decision: Machine.Decision) -> Bool { if case .fail = decision { true } else { false } }

    @Test func theFirstCallerFetchesAndTheOthersJoinIt() throws {
        var machine = Machine(cacheDuration: 3600, minimumRefreshInterval: 10)
        #expect(isFetch(machine.start(refresh: false, now: at(0))))
        guard case .join(let fetch) = machine.start(refresh: true, now: at(0)) else { throw Failure("join") }
        #expect(fetch == machine.fetches)
        let (outcome, waiters) = machine.finish(.success(try TestKey.set(.pool)), cancelled: false, now: at(1))
        #expect(waiters.isEmpty)
        #expect(try outcome.get().key(id: TestKey.pool.kid) != nil)
        #expect(isUse(machine.start(refresh: false, now: at(2))))
    }

    @Test func refreshesAreSpacedByTheInterval() throws {
        var machine = Machine(cacheDuration: 3600, minimumRefreshInterval: 10)
        _ = machine.start(refresh: false, now: at(0))
        _ = machine.finish(.success(try TestKey.set(.pool)), cancelled: false, now: at(0))
        #expect(isUse(machine.start(refresh: true, now: at(9.9))))
        #expect(isFetch(machine.start(refresh: true, now: at(10))))
        _ = machine.finish(.failure(.keysUnavailable), cancelled: false, now: at(10))
        #expect(isUse(machine.start(refresh: true, now: at(19))))
        #expect(isFetch(machine.start(refresh: true, now: at(20))))
        #expect(machine.fetches == 3)
    }

    @Test func aCancelledFetchDoesNotCountAgainstTheInterval() throws {
        var machine = Machine(cacheDuration: 3600, minimumRefreshInterval: 10)
        _ = machine.start(refresh: false, now: at(0))
        let (outcome, _) = machine.finish(.failure(.keysUnavailable), cancelled: true, now: at(0))
        #expect(throws: TokenVerificationError.keysUnavailable) { try outcome.get() }
        #expect(isFetch(machine.start(refresh: false, now: at(1))))
        _ = machine.finish(.failure(.keysUnavailable), cancelled: false, now: at(1))
        #expect(isFail(machine.start(refresh: false, now: at(2))))
    }

    @Test func aClockSetBackCountsAsElapsed() throws {
        var machine = Machine(cacheDuration: 3600, minimumRefreshInterval: 10)
        _ = machine.start(refresh: false, now: at(0))
        _ = machine.finish(.success(try TestKey.set(.pool)), cancelled: false, now: at(0))
        #expect(isFetch(machine.start(refresh: false, now: at(-60))))
    }

    struct Failure: Error {
        let what: String
        init(_ what: String) { self.what = what }
    }
}
