import ConnectJobs
import Foundation
import JobQueue
import OVHClient
import OVHSimulator
import Testing
import TestSupport

/// For a tool that deletes customers' network configuration, a cancel that does not stop
/// the delete is the worst failure it can have: a cancelled delete-tree deletes nothing
/// after the cancel.
@Suite(.serialized) struct CancelDeleteTreeTests {
    static let latency = 0.4

    /// A whole L3 service, built by the queue; then `body` with the request log.
    func withBuiltService(_ body: (Queue, SimulatorHandle, String, APIRequestLog) async throws -> Void) async throws {
        let log = APIRequestLog()
        defer { log.remove() }
        try await withSimulator({ $0.latency = .milliseconds(Int64(Self.latency * 1000)); $0.taskDuration = .milliseconds(300); $0.requestLog = log.path }) { simulator in
            let client = try simulator.client { $0.maxAttempts = 10 }
            defer { client.shutdown() }
            let service = try await simulator.serviceNames()[0]
            try await withRedisServer { server in
                try await withQueue(server, name: "ovh") { queue in
                    var options = WorkerOptions.fastForTests
                    options.concurrency = 8
                    options.lease = .seconds(30)
                    try await withWorker(queue, registry: JobRegistry(ConnectJobTypes.executors(client: client)), options: options) {
                        try await queue.push(raw: ConnectJobsTests.l3Service("svc", service, vrack: "pn-10001", extra: ConnectJobsTests.route))
                        let built = try await queue.waitForTerminal(["svc", "svc-pop", "svc-dc", "svc-extra"], timeout: .seconds(90))
                        #expect(built.values.allSatisfy { $0.first?.event == "completed" })
                        try await body(queue, simulator, service, log)
                    }
                }
            }
        }
    }

    func objects(_ simulator: SimulatorHandle) async throws -> Int {
        let counts = try await ConnectJobsTests().stateCounts(simulator)
        return counts.pops + counts.datacenters + counts.extras
    }

    @Test func cancelledWhileItReadsTheTreeItDeletesNothing() async throws {
        try await withBuiltService { queue, simulator, service, log in
            try await queue.push(raw: #"{"type":"delete-tree","id":"down","args":{"serviceName":"\#(service)"}}"#)
            try await eventually("delete-tree reads the live tree") { try await queue.state(of: "down") == "active" }
            let outcome = try await queue.cancel(["down"]).first?.outcome ?? ""
            #expect(outcome.hasPrefix("cancel requested"), "\(outcome)")
            let terminal = try await queue.waitForTerminal(["down"], timeout: .seconds(30))
            #expect(terminal["down"]?.first?.error?.code.rawValue == "cancelled")
            // Give any straggler the time to reach the API: nothing may.
            try await Task.sleep(for: .seconds(2))
            #expect(log.calls.filter { $0.method == "DELETE" }.isEmpty, "a DELETE after the cancel")
            #expect(try await objects(simulator) == 3)
            #expect(try await queue.job("down")?.children.isEmpty == true, "no delete job was queued")
        }
    }

    @Test func cancelledWhileItsDeletesRunNoFurtherDeleteIsSent() async throws {
        try await withBuiltService { queue, simulator, service, log in
            try await queue.push(raw: #"{"type":"delete-tree","id":"down","args":{"serviceName":"\#(service)"}}"#)
            try await eventually("its first delete runs") {
                try await queue.jobs(matching: .init(state: .active, limit: 10)).contains { $0.type?.hasPrefix("delete-") == true && $0.type != "delete-tree" }
            }
            let cancelledAt = Date().timeIntervalSince1970
            #expect(try await queue.cancel(["down"]).first?.outcome == "cancelled")
            let children = try await queue.job("down")?.children ?? []
            try await queue.waitForTerminal(["down"] + children, timeout: .seconds(30))
            try await Task.sleep(for: .seconds(2))
            // A DELETE already on the wire when the cancel came is answered after it; none
            // is sent later.
            let late = log.calls.filter { $0.method == "DELETE" && $0.time > cancelledAt + Self.latency + 0.5 }
            #expect(late.isEmpty, "DELETEs sent after the cancel: \(late.map(\.path))")
            #expect(try await objects(simulator) >= 2, "the PoP and its datacenter config are still there")
            for id in children {
                let state = try await queue.state(of: id)
                let code = try await queue.job(id)?.lastError?.code.rawValue
                #expect(state == "completed" || code == "cancelled", "\(id): \(state ?? "?") \(code ?? "")")
            }
        }
    }
}
