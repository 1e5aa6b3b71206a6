import ArgumentParser
import Foundation
import JobQueue

struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Validate jobs and push them all, or none (exit status 2 when any is invalid).")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions
    @OptionGroup var plan: EnqueuePlanOptions
    @OptionGroup var batchOptions: EnqueueBatchOptions

    @Argument(help: "Files holding one job object or an array of them; '-' reads standard input.")
    var files: [String]

    func run() async throws {
        let registry = JobTypes.validating
        var batch = EnqueueBatch(registry: registry)
        var problems: [String] = [], unreadable: [String] = []
        var parsed: [(value: JSONValue, source: String)] = []
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = file == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile())
                                    : Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                unreadable.append("\(file): cannot read it: \(Self.reason(error))")
                continue
            }
            do {
                let value = try JSONValue.parse(bytes), source = file == "-" ? "stdin" : file
                batch.add(value, source: source)
                parsed.append((value, source))
            } catch {
                problems.append("\(file): not valid JSON: \(error)")
            }
        }
        // A file that cannot be read is not an invalid job: exit 1, as for any I/O error.
        guard unreadable.isEmpty else {
            (unreadable + problems).forEach(printError)
            printError("nothing was pushed: \(unreadable.count) file(s) could not be read")
            throw ExitCode(1)
        }
        batch.finish()
        problems += batch.problems.map(\.line)
        guard problems.isEmpty else {
            problems.forEach(printError)
            printError("nothing was pushed: \(problems.count) problem(s) in the jobs above")
            throw ExitCode(2)
        }
        if try plan.check(parsed, batch, defaultBatch: batchOptions.batch, json: output.json) { return }
        let queue = try queueOptions.openQueue(clientName: "connectq-enqueue")
        defer { queue.redis.close() }
        do {
            try await queue.prepare()
            let ids = try await batchOptions.enqueue(batch.documents, in: queue, registry: registry)
            if output.json { printJSON(.array(ids.map(JSONValue.string))) } else { ids.forEach { print($0) } }
        } catch let error as QueueError {
            printError("\(error); nothing was pushed")
            throw ExitCode(2)
        }
        try await batchOptions.waitIfAsked(in: queue)
    }

    private static func reason(_ error: any Error) -> String {
        if let path = (error as NSError).userInfo[NSFilePathErrorKey] as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return "it is a directory" }
        }
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}
