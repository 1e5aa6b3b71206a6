import ArgumentParser
import Foundation
import JobQueue

struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Validate jobs and push them all, or none (exit status 2 when any is invalid).")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    @Argument(help: "Files holding one job object or an array of them; '-' reads standard input.")
    var files: [String]

    func run() async throws {
        let registry = JobTypes.validating
        var documents: [JobDocument] = []
        var problems: [String] = [], unreadable: [String] = []
        // Two jobs with one id in one run would push one and fail the other: refused first.
        var firstUse: [String: String] = [:]
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = file == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile())
                                    : Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                unreadable.append("\(file): cannot read it: \(Self.reason(error))")
                continue
            }
            let value: JSONValue
            do {
                value = try JSONValue.parse(bytes)
            } catch {
                problems.append("\(file): not valid JSON: \(error)")
                continue
            }
            let items = value.arrayValue ?? [value]
            for (index, item) in items.enumerated() {
                let source = file == "-" ? "stdin" : file
                let label = value.arrayValue == nil ? source : "\(source) job \(index + 1)"
                let named = item["id"]?.stringValue.map { " (id \($0))" } ?? ""
                let size = item.jsonBytes.count
                guard size <= JobLimits.documentBytes else {
                    problems.append("\(label)\(named): the job is \(size) bytes as JSON; the limit is \(JobLimits.documentBytes) [too_large]")
                    continue
                }
                do {
                    let document = try JobDocument(item, path: "", registry: registry, mode: .complete)
                    for id in document.givenIDs {
                        if let first = firstUse[id] {
                            problems.append("\(label)\(named): id: '\(id)' is already used by \(first) in this run [duplicate_id]")
                        } else {
                            firstUse[id] = label
                        }
                    }
                    documents.append(document)
                } catch {
                    // Every rule it breaks, each message starting with its field (`args.subnet: must be …`).
                    for problem in JobDocument.allErrors(of: item, registry: registry, mode: .complete) {
                        problems.append("\(label)\(named): \(problem.message) [\(problem.code)]")
                    }
                }
            }
        }
        // A file that cannot be read is not an invalid job: exit 1, as for any I/O error.
        guard unreadable.isEmpty else {
            (unreadable + problems).forEach(printError)
            printError("nothing was pushed: \(unreadable.count) file(s) could not be read")
            throw ExitCode(1)
        }
        if documents.count > JobLimits.jobsPerEnqueue {
            problems.append("\(documents.count) jobs in one run; the limit is \(JobLimits.jobsPerEnqueue): split them [too_large]")
        }
        guard problems.isEmpty else {
            problems.forEach(printError)
            printError("nothing was pushed: \(problems.count) problem(s) in the jobs above")
            throw ExitCode(2)
        }
        let queue = try queueOptions.openQueue(clientName: "connectq-enqueue")
        defer { queue.redis.close() }
        do {
            try await queue.prepare()
            let ids = try await queue.enqueue(documents, registry: registry)
            if output.json { printJSON(.array(ids.map(JSONValue.string))) } else { ids.forEach { print($0) } }
        } catch let error as QueueError {
            printError("\(error); nothing was pushed")
            throw ExitCode(2)
        }
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
