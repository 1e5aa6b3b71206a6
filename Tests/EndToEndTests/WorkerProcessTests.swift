import Foundation
import JobQueue
import RedisClient
import Testing
import TestSupport

/// Real `connectq worker` processes killed, stopped and cut off from Redis.
@Suite(.serialized) struct WorkerProcessTests {
    @Test func aWorkerKilledWithSIGKILLMidJobHasItsJobRunAgainAfterTheLease() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "kill") { queue in
                let doomed = try WorkerProcess(redis: server, queue: "kill", arguments: ["--lease", "1s"])
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":3000},"id":"interrupted","meta":{"case":"sigkill"}}"#)
                try await eventually("the job is running in the first worker") { try await queue.state(of: "interrupted") == "active" }
                doomed.process.signal(SIGKILL)
                #expect(try await doomed.process.wait() == 128 + SIGKILL)
                // The survivor takes the job up once the dead worker's lease expires.
                let survivor = try WorkerProcess(redis: server, queue: "kill", arguments: ["--lease", "1s"])
                defer { survivor.process.signal(SIGKILL); survivor.process.waitBlocking() }
                let terminal = try await queue.waitForTerminal(["interrupted"], timeout: .seconds(60))
                #expect(terminal["interrupted"]?.count == 1)
                #expect(terminal["interrupted"]?.first?.event == "completed")
                let events = try await queue.allEvents().filter { $0.jobID == "interrupted" }.map(\.event)
                #expect(events == ["accepted", "active", "retrying", "active", "completed"])
            }
        }
    }

    @Test func sigtermLetsRunningJobsFinishPutsTheRestBackAndFailsNone() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "term") { queue in
                let worker = try WorkerProcess(redis: server, queue: "term", arguments: ["--grace", "1500ms", "--concurrency", "4"])
                let short = ["short-1", "short-2"], long = ["long-1", "long-2"], queued = (1...5).map { "queued-\($0)" }
                for id in short { try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":500},"id":"\#(id)"}"#) }
                for id in long { try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":4000},"id":"\#(id)"}"#) }
                try await eventually("four jobs running") {
                    try await queue.allEvents().filter { $0.event == "active" }.count == 4
                }
                for id in queued { try await queue.push(raw: #"{"type":"noop","args":{},"id":"\#(id)"}"#) }
                worker.process.signal(SIGTERM)
                #expect(try await worker.process.wait(timeout: .seconds(20)) == 0)

                for id in short { #expect(try await queue.state(of: id) == "completed") }
                for id in long {
                    #expect(try await queue.state(of: id) == "waiting")
                    #expect(try await queue.job(id)?.attempts == 0)
                }
                let failedCount = try await queue.allEvents().filter { $0.event == "failed" }.count
                #expect(failedCount == 0)
                let stats = try await queue.stats()
                #expect(stats.inbox + stats.waiting == long.count + queued.count)
                #expect(stats.active == 0 && stats.workers == 0)

                let next = try WorkerProcess(redis: server, queue: "term")
                defer { next.process.signal(SIGKILL); next.process.waitBlocking() }
                let terminal = try await queue.waitForTerminal(short + long + queued)
                let allCompletedOnce = (short + long + queued).allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" }
                #expect(allCompletedOnce)
            }
        }
    }

    @Test func sigtermStopsTheWorkerEvenWhenRedisIsGone() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "gone") { queue in
                let worker = try WorkerProcess(redis: server, queue: "gone", arguments: ["--grace", "1s"])
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":30000},"id":"stuck"}"#)
                try await eventually("running") { try await queue.state(of: "stuck") == "active" }
                server.stop()
                worker.process.signal(SIGTERM)
                // Grace (1 s), then at most 5 s of trying to put the job back, then exit.
                let status = try await worker.process.wait(timeout: .seconds(30))
                #expect(status == 0)
                #expect(worker.log.contains("giving up"))
            }
        }
    }

    @Test func aWorkerProcessRidesOutARedisRestart() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server, name: "restart") { queue in
                let worker = try WorkerProcess(redis: server, queue: "restart", arguments: ["--concurrency", "8"])
                defer { worker.process.signal(SIGKILL); worker.process.waitBlocking() }
                let ids = (1...200).map { "r-\($0)" }
                for id in ids.prefix(100) { try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":10},"id":"\#(id)"}"#) }
                try await eventually("some jobs done") { try await queue.allEvents().contains { $0.event == "completed" } }
                try server.restart()
                try await eventually("redis answers again") { (try? await queue.redis.send("PING")) != nil }
                for id in ids.suffix(100) { try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":10},"id":"\#(id)"}"#) }
                let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(90))
                let exactlyOnce = ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" }
                #expect(exactlyOnce)
                #expect(!worker.process.hasExited)
            }
        }
    }
}

