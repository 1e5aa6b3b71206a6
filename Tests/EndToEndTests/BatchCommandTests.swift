import Foundation
import JobQueue
import RedisClient
import Testing
import TestSupport

/// `connectq enqueue --batch … --wait` and `connectq batch …` as scripts use them: the exit
/// status is the batch's outcome, the failed ids are listed with their codes.
@Suite(.serialized) struct BatchCommandTests {
    @Test func enqueueWaitExitsZeroWhenTheBatchSucceedsAndOneListingTheFailedIds() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "cli") { queue in
                let common = ["--redis", server.urlString, "--queue", "cli"]
                let callback = server.directory.appendingPathComponent("callback.json").path
                try #"{"type":"noop","args":{},"id":"told"}"#.write(toFile: callback, atomically: true, encoding: .utf8)
                try await withWorker(queue) {
                    let good = try await runConnectq(["enqueue", "--batch", "good", "--wait", "--callback", callback, "-"] + common,
                                                     input: #"[{"type":"noop","args":{},"id":"g1"},{"type":"noop","args":{},"id":"g2"}]"#)
                    #expect(good.status == 0, "\(good.stderr)")
                    #expect(good.stdout == "g1\ng2\n")
                    #expect(good.stderr.contains("batch good") && good.stderr.contains("2/2 done") && good.stderr.contains("succeeded"))
                    try await queue.waitForTerminal(["told"])

                    let bad = try await runConnectq(["enqueue", "--batch", "bad", "--wait", "-"] + common,
                                                    input: #"[{"type":"noop","args":{},"id":"b1"},{"type":"noop","args":{"failPermanently":true},"id":"b2"}]"#)
                    #expect(bad.status == 1, "\(bad.stderr)")
                    #expect(bad.stdout.contains("batch bad failed: 1 of 2 job(s) failed"))
                    #expect(bad.stdout.contains("b2\tnoop_failed"))

                    let wait = try await runConnectq(["batch", "wait", "bad"] + common)
                    #expect(wait.status == 1 && wait.stdout.contains("b2\tnoop_failed"))
                }
                let status = try await runConnectq(["batch", "status", "good", "--json"] + common)
                let info = try JSONValue.parse(status.stdout)
                #expect(info["total"] == .int(2) && info["completed"] == .int(2) && info["outcome"] == .string("succeeded"))
                let list = try await runConnectq(["batch", "list"] + common)
                #expect(list.stdout.contains("good\tsucceeded") && list.stdout.contains("bad\tfailed"))

                let closed = try await runConnectq(["enqueue", "--batch", "good", "-"] + common, input: #"{"type":"noop","args":{}}"#)
                #expect(closed.status == 2 && closed.stderr.contains("batch good is closed"))
                let unknown = try await runConnectq(["batch", "wait", "never"] + common)
                #expect(unknown.status == 2 && unknown.stderr.contains("no batch never"))
                let stray = try await runConnectq(["enqueue", "--wait", "-"] + common, input: #"{"type":"noop","args":{}}"#)
                #expect(stray.status != 0 && stray.stderr.contains("--batch"))
            }
        }
    }

    @Test func anOpenBatchIsClosedByCommandAndCancelledJobsEndIt() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "cli") { queue in
                let common = ["--redis", server.urlString, "--queue", "cli"]
                let pushed = try await runConnectq(["enqueue", "--batch", "later", "--keep-open", "-"] + common,
                                                   input: #"[{"type":"noop","args":{},"id":"l1"},{"type":"noop","args":{},"id":"l2"}]"#)
                #expect(pushed.status == 0, "\(pushed.stderr)")
                #expect(try await queue.batch("later")?.open == true)
                let cancelled = try await runConnectq(["batch", "cancel", "later"] + common)
                #expect(cancelled.status == 0 && cancelled.stdout.contains("2 job(s) cancelled"))
                let close = try await runConnectq(["batch", "close", "later"] + common)
                #expect(close.status == 0 && close.stdout.contains("batch later: ended"))
                let wait = try await runConnectq(["batch", "wait", "later", "--timeout", "5s"] + common)
                #expect(wait.status == 1 && wait.stdout.contains("l1\tcancelled"))

                // Interrupted, `wait` stops waiting; the batch and its jobs are left as they are.
                _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "w1")], batch: "watched")
                let errors = server.directory.appendingPathComponent("wait.err").path
                let waiter = try ChildProcess([try connectqBinary(), "batch", "wait", "watched"] + common, errorPath: errors)
                try await eventually("the waiter shows its progress") {
                    ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").contains("batch watched")
                }
                waiter.signal(SIGINT)
                #expect(try await waiter.wait(timeout: .seconds(10)) == 130)
                #expect(((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").contains("stopped waiting for batch watched"))
                #expect(try await queue.state(of: "w1") == "waiting")
            }
        }
    }
}
