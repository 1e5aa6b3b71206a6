import Foundation
import Synchronization
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// Resource locks hand over: freeing one gives it to the next job still waiting for it, in
/// the order they came, across every queue of the Redis.
@Suite(.serialized) struct LockHandoverTests {
    /// Holds its resources until the test opens its gate; records the order jobs start in.
    struct Holder: JobExecutor {
        static let type = "holder"
        struct Args: Decodable { var resources: [String] }
        static func resourceKeys(_ args: Args) -> [String] { args.resources.map { "thing:\($0)" } }
        let gate: CancelFenceTests.Gate
        let starts: Starts
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
            starts.log.withLock { $0.append(context.id) }
            try await gate.wait(context.id)
            return .completed([:])
        }
    }

    final class Starts: Sendable {
        let log = Mutex<[String]>([])
        var order: [String] { log.withLock { $0 } }
    }

    static func job(_ id: String, _ resources: [String]) -> String {
        #"{"type":"holder","args":{"resources":[\#(resources.map { "\"\($0)\"" }.joined(separator: ","))]},"id":"\#(id)"}"#
    }

    @Test func threeWaitersWithTheMiddleOneCancelledAllFinishInOrder() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "line") { queue in
                let gate = CancelFenceTests.Gate()
                let starts = Starts()
                let holder = Holder(gate: gate, starts: starts)
                try await withWorker(queue, registry: JobRegistry([holder])) {
                    try await queue.push(raw: Self.job("h", ["x"]))
                    try await eventually("h runs") { gate.hasStarted("h") }
                    for id in ["w1", "w2", "w3"] {
                        try await queue.push(raw: Self.job(id, ["x"]))
                        try await eventually("\(id) waits") { try await queue.state(of: id) == "waiting-resource" }
                    }
                    #expect(try await queue.cancel(["w2"]).first?.outcome == "cancelled")
                    gate.open("h")
                    try await eventually("w1 runs") { gate.hasStarted("w1") }
                    gate.open("w1")
                    try await eventually("w3 runs") { gate.hasStarted("w3") }
                    gate.open("w3")
                    try await queue.waitForTerminal(["h", "w1", "w2", "w3"])
                }
                #expect(starts.order == ["h", "w1", "w3"])
                #expect(try await queue.redis.send("HLEN", queue.keys[.resourceLocks]).integer == 0)
                #expect(try await queue.redis.send("EXISTS", queue.keys[.resourceQueuePrefix] + "thing:x").integer == 0,
                        "no stale waiter left in the line")
            }
        }
    }

    /// W needs a and b, V needs a: W is handed a, then waits on b keeping a (every job
    /// takes its resources in one order, so none can wait in a circle); V waits behind W.
    @Test func aWaiterHandedItsFirstResourceWaitsForTheNextAndKeepsItsPlace() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "climb") { queue in
                let gate = CancelFenceTests.Gate()
                let starts = Starts()
                try await withWorker(queue, registry: JobRegistry([Holder(gate: gate, starts: starts)])) {
                    try await queue.push(raw: Self.job("ha", ["a"]))
                    try await queue.push(raw: Self.job("hb", ["b"]))
                    try await eventually("ha and hb run") { gate.hasStarted("ha") && gate.hasStarted("hb") }
                    try await queue.push(raw: Self.job("w", ["b", "a"]))
                    try await eventually("w waits") { try await queue.state(of: "w") == "waiting-resource" }
                    try await queue.push(raw: Self.job("v", ["a"]))
                    try await eventually("v waits") { try await queue.state(of: "v") == "waiting-resource" }
                    gate.open("ha")
                    try await eventually("w was handed a and waits for b") {
                        try await queue.redis.send("HGET", queue.keys[.resourceLocks], "thing:a").string == "climb w"
                    }
                    #expect(try await queue.state(of: "w") == "waiting-resource" && !gate.hasStarted("v"))
                    gate.open("hb")
                    try await eventually("w runs") { gate.hasStarted("w") }
                    gate.open("w")
                    try await eventually("v runs") { gate.hasStarted("v") }
                    gate.open("v")
                    try await queue.waitForTerminal(["ha", "hb", "w", "v"])
                }
                let waits = try await queue.events(of: "w").filter { $0.event == "waiting" }.compactMap { $0.fields["resource"] }
                #expect(waits == ["thing:a", "thing:b"])
                #expect(starts.order.suffix(2) == ["w", "v"])
            }
        }
    }

    @Test func aResourceFreedInOneQueueIsHandedToAJobOfAnother() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "east") { east in
                try await withQueue(server, name: "west") { west in
                    let gate = CancelFenceTests.Gate()
                    let starts = Starts()
                    let registry = JobRegistry([Holder(gate: gate, starts: starts)])
                    try await withWorker(east, registry: registry) {
                        try await withWorker(west, registry: registry) {
                            try await east.push(raw: Self.job("e1", ["svc"]))
                            try await eventually("e1 runs") { gate.hasStarted("e1") }
                            try await west.push(raw: Self.job("w1", ["svc"]))
                            try await eventually("w1 waits") { try await west.state(of: "w1") == "waiting-resource" }
                            let wait = try await west.events(of: "w1").last
                            #expect(wait?.fields["holder"] == "e1" && wait?.fields["holderQueue"] == "east")
                            gate.open("e1")
                            try await eventually("w1 runs") { gate.hasStarted("w1") }
                            gate.open("w1")
                            try await east.waitForTerminal(["e1"])
                            try await west.waitForTerminal(["w1"])
                        }
                    }
                }
            }
        }
    }
}
