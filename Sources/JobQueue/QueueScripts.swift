import Foundation
import RedisClient

/// The Lua scripts, one per state transition, each with common.lua in front of it.
struct QueueScripts: Sendable {
    let intake, accept, enqueue, fetch, complete, retry, fail, settleDuplicate, awaitChildren: RedisScript
    let extendLeases, release, recoverStalled, recoverWorker, unregisterWorker, retryFailed, purgeFailed: RedisScript

    static let shared = QueueScripts()

    private init() {
        let common = Self.source("common")
        func script(_ name: String) -> RedisScript {
            RedisScript(name: name, source: "-- connectq: \(name)\n" + common + "\n" + Self.source(name))
        }
        intake = script("intake"); accept = script("accept"); enqueue = script("enqueue"); fetch = script("fetch")
        complete = script("complete"); retry = script("retry"); fail = script("fail")
        settleDuplicate = script("settleDuplicate"); awaitChildren = script("awaitChildren"); extendLeases = script("extendLeases"); release = script("release")
        recoverStalled = script("recoverStalled"); recoverWorker = script("recoverWorker")
        unregisterWorker = script("unregisterWorker"); retryFailed = script("retryFailed"); purgeFailed = script("purgeFailed")
    }

    private static func source(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "lua", subdirectory: "Scripts"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("the \(name).lua script is missing from the JobQueue bundle")
        }
        return text
    }
}
