import Synchronization

/// How many changes this node made to some state: an answer cached before a change is not used after it.
///
/// A reader notes ``value`` before it loads what it caches and stores it with the entry; a writer calls ``bump()``
/// once its change is committed. An entry whose noted value is not the current one is stale.
package final class ChangeCounter: Sendable {
    private let count = Atomic<Int>(0)

    package init() {}

    package var value: Int { count.load(ordering: .acquiring) }
    package func bump() { count.add(1, ordering: .releasing) }
}
