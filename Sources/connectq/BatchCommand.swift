import ArgumentParser
import Foundation
import JobQueue

/// `connectq batch …` (contract, "Batches").
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Batches: jobs counted as one operation, with one outcome.",
        subcommands: [Status.self, Wait.self, List.self, Close.self, Cancel.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A batch's counts, whether it is open, and its outcome once it ended.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions
        @Argument(help: "The batch's name.") var name: String

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-batch")
            defer { queue.redis.close() }
            let info = try await BatchCommand.find(name, in: queue)
            if output.json { printJSON(info.json); return }
            print(BatchProgress.line(info, perMinute: nil))
            print("created \(TimeText.date(ms: info.createdMs))" + (info.closedMs.map { ", closed \(TimeText.date(ms: $0))" } ?? "")
                  + (info.endedMs.map { ", ended \(TimeText.date(ms: $0))" } ?? "") + (info.callbackType.map { ", callback: a \($0) job" } ?? ""))
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait for a batch to end, showing its progress.",
            discussion: "Exit status 0 when it succeeded, 1 when a job failed (the first 50 failed ids listed with their codes), 2 when --timeout passed first or the batch is unknown. Interrupted, it stops waiting and the jobs go on.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Argument(help: "The batch's name.") var name: String
        @Option(help: "Give up waiting after this long (exit status 2).", transform: DurationArgument.parse)
        var timeout: DurationArgument?

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-batch")
            defer { queue.redis.close() }
            _ = try await BatchCommand.find(name, in: queue)
            try await BatchCommand.wait(name, in: queue, timeout: timeout?.duration)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest batches first.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions
        @Option(help: "At most this many.") var limit = 50

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-batch")
            defer { queue.redis.close() }
            let batches = try await queue.batches(limit: limit)
            if output.json { printJSON(.array(batches.map(\.json))); return }
            for info in batches {
                let state = info.hasEnded ? (info.outcome?.rawValue ?? "ended") : info.open ? "open" : "closed"
                print("\(info.name)\t\(state)\t\(info.done)/\(info.total) done\t\(info.failed) failed\t\(info.running) running\tcreated \(TimeText.date(ms: info.createdMs))")
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a batch: it takes no more jobs and ends (one batch-completed event, its callback job) when all its jobs have: at once when they already have.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Argument(help: "The batch's name.") var name: String
        @Option(help: "A job document (any type) enqueued when the batch ends, its args merged with batch, counts and failedIds.")
        var callback: String?

        func run() async throws {
            let document = try callback.map(BatchCommand.readCallback)
            let queue = try queueOptions.openQueue(clientName: "connectq-batch")
            defer { queue.redis.close() }
            do {
                try await queue.prepare()
                print("batch \(name): \(try await queue.closeBatch(name, callback: document, registry: JobTypes.validating).rawValue)")
            } catch let error as QueueError {
                printError("\(error)")
                throw ExitCode(2)
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel every unfinished job of a batch, as `connectq cancel` does (a running one stops at its next step or lease renewal).")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Argument(help: "The batch's name.") var name: String

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-batch")
            defer { queue.redis.close() }
            _ = try await BatchCommand.find(name, in: queue)
            let outcomes = try await queue.cancelBatch(name)
            let requested = outcomes.filter { $0.outcome.hasPrefix("cancel requested") }.count
            let cancelled = outcomes.filter { $0.outcome == "cancelled" }.count
            print("batch \(name): \(cancelled) job(s) cancelled, \(requested) running job(s) stopping")
        }
    }

    static func find(_ name: String, in queue: Queue) async throws -> BatchInfo {
        guard BatchName.isValid(name) else { throw ValidationError("batch: must match \(BatchName.pattern), got '\(name.prefix(80))'") }
        guard let info = try await queue.batch(name) else {
            printError("queue \(queue.keys.queue) has no batch \(name)")
            throw ExitCode(2)
        }
        return info
    }

    /// A callback document from a file, checked as `enqueue` checks jobs (exit status 2).
    static func readCallback(_ path: String) throws -> JobDocument {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            printError("--callback: \(path): cannot read it")
            throw ExitCode(1)
        }
        do {
            return try JobDocument.parse(bytes, registry: JobTypes.validating)
        } catch {
            printError("--callback: \(path): \(error)")
            throw ExitCode(2)
        }
    }

    /// Waits for the batch's end with its progress; exits 1 listing failures, 2 on a timeout.
    static func wait(_ name: String, in queue: Queue, timeout: Duration?) async throws {
        let waiting = Task { try await BatchProgress(queue: queue, name: name, timeout: timeout).run() }
        // Ctrl-C stops the waiting, not the batch: its jobs run in the workers.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { waiting.cancel() }
        interrupt.resume()
        defer {
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
        }
        let ending: BatchProgress.Ending, info: BatchInfo
        do {
            (ending, info) = try await waiting.value
        } catch where waiting.isCancelled {
            printError("\nstopped waiting for batch \(name); its jobs go on (connectq batch status \(name))")
            throw ExitCode(130)
        }
        switch ending {
        case .succeeded:
            return
        case .timedOut:
            printError("batch \(name): still running after \(timeout.map(DurationText.format) ?? "?"); its jobs go on")
            throw ExitCode(2)
        case .failed:
            let failures = try await queue.batchFailures(name, limit: 50)
            print("batch \(name) failed: \(info.failed) of \(info.total) job(s) failed")
            for (id, code) in failures { print("\(id)\t\(code ?? "?")") }
            if info.failed > failures.count { print("… and \(info.failed - failures.count) more (connectq failed list)") }
            throw ExitCode(1)
        }
    }
}

/// `connectq enqueue --batch NAME [--keep-open] [--wait] [--callback FILE]`.
struct EnqueueBatchOptions: ParsableArguments {
    @Option(help: "Add the jobs to this batch (created open when new; refused when closed), closed after the push unless --keep-open.")
    var batch: String?
    @Flag(help: "With --batch: leave the batch open for more jobs (`connectq batch close NAME` closes it).")
    var keepOpen = false
    @Flag(help: "With --batch: wait for the batch to end, showing its progress; exit status 1 when a job failed.")
    var wait = false
    @Option(help: "With --batch: a job document (any type) enqueued when the batch ends, its args merged with batch, counts and failedIds.")
    var callback: String?

    func validate() throws {
        guard let batch else {
            if keepOpen || wait || callback != nil { throw ValidationError("--keep-open, --wait and --callback go with --batch NAME") }
            return
        }
        guard BatchName.isValid(batch) else { throw ValidationError("--batch: must match \(BatchName.pattern), got '\(batch.prefix(80))'") }
        if keepOpen && wait { throw ValidationError("--wait: an open batch never ends; drop --keep-open, or wait later with `connectq batch wait`") }
    }

    /// Pushes the documents (into the batch, when one is named) and closes the batch unless
    /// told not to. Returns the root ids.
    func enqueue(_ documents: [JobDocument], in queue: Queue, registry: JobRegistry) async throws -> [String] {
        guard let batch else { return try await queue.enqueue(documents, registry: registry) }
        let document = try callback.map(BatchCommand.readCallback)
        let ids = try await queue.enqueue(documents, batch: batch, registry: registry)
        if !keepOpen || document != nil {
            try await queue.closeBatch(batch, callback: document, close: !keepOpen, registry: registry)
        }
        return ids
    }

    /// `--wait`: follows the batch to its end (exit status 1 when a job failed).
    func waitIfAsked(in queue: Queue) async throws {
        guard wait, let batch else { return }
        try await BatchCommand.wait(batch, in: queue, timeout: nil)
    }
}
