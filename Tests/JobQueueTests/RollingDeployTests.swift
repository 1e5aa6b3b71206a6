import Foundation
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// During a rolling deploy, a job of a type only newer workers know waits for one of them
/// instead of failing, and is checked (args, resources) by the first worker that knows it.
@Suite(.serialized) struct RollingDeployTests {
    @Test func aJobOfATypeThisWorkerCannotRunWaitsForOneThatCan() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                var old = WorkerOptions.fastForTests
                old.unknownTypeRecheck = .milliseconds(200)
                old.workerID = "old"
                let log = ResourcesAndWaitsTests.ResourceLog()
                try await withWorker(queue, registry: JobRegistry([NoopExecutor()]), options: old) {
                    try await queue.push(raw: #"{"type":"locked","args":{"resource":"r","ms":300},"id":"new-1"}"#)
                    try await queue.push(raw: #"{"type":"locked","args":{"resource":"r","ms":300},"id":"new-2"}"#)
                    try await queue.push(raw: #"{"type":"locked","args":{"resource":7,"ms":1},"id":"new-bad"}"#)
                    try await eventually("waiting for a worker that knows the type") {
                        try await queue.allEvents().contains { $0.jobID == "new-bad" && $0.fields["reason"] == "unknown-type" }
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(try await queue.terminalEvents().isEmpty)
                    var new = WorkerOptions.fastForTests
                    new.workerID = "new"
                    try await withWorker(queue, registry: JobRegistry([NoopExecutor(), ResourcesAndWaitsTests.Locked(log: log)]), options: new) {
                        try await queue.waitForTerminal(["new-1", "new-2", "new-bad"])
                    }
                }
                let terminal = try await queue.terminalEvents()
                #expect(terminal["new-1"]?.first?.event == "completed" && terminal["new-2"]?.first?.event == "completed")
                // Checked by the worker that knows the type, as intake would have.
                #expect(terminal["new-bad"]?.first?.error?.code.rawValue == "invalid" && terminal["new-bad"]?.first?.error?.field == "args.resource")
                // The resource named late is held like any other: the two never ran at once.
                #expect(log.worstPerResource == 1)
                #expect(try await queue.job("new-1")?.attempts == 1)
            }
        }
    }
}
