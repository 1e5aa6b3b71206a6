import ArgumentParser
import Foundation
import JobQueue

/// `connectq worker --config FILE`: the worker's settings in a JSON object whose keys are
/// its long option names, `{"concurrency": 20, "lease": "30s", "diagnostic-jobs": true}`.
/// The file's settings come first on the command line, so a flag given there wins; each is
/// parsed by the worker's own options, so a file and the command line cannot disagree.
enum WorkerConfigFile {
    static func expand(_ arguments: [String]) throws -> [String] {
        guard arguments.first == "worker" else { return arguments }
        var rest: [String] = []
        var file: String?
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--config", index + 1 < arguments.count {
                file = arguments[index + 1]
                index += 2
                continue
            }
            if argument.hasPrefix("--config=") { file = String(argument.dropFirst("--config=".count)) } else { rest.append(argument) }
            index += 1
        }
        guard let file else { return arguments }
        return ["worker"] + (try settings(in: file)) + rest
    }

    /// The file's settings as command-line arguments, each checked by the worker's parser.
    static func settings(in file: String) throws -> [String] {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
            throw ValidationError("--config: cannot read \(file)")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw ValidationError("--config: \(file) is not valid JSON: \(error)") }
        guard case .object(let settings) = value else { throw ValidationError("--config: \(file) must hold one JSON object of option names and values") }
        var arguments: [String] = []
        for (name, setting) in settings.sorted(by: { $0.key < $1.key }) {
            let option: [String]
            switch setting {
            case .bool(true): option = ["--\(name)"]
            case .bool(false): option = []
            case .string(let text): option = ["--\(name)", text]
            case .int, .double: option = ["--\(name)", setting.jsonText]
            default: throw ValidationError("--config: \(file): '\(name)' must be a string, a number or a boolean")
            }
            guard name != "config", !name.hasPrefix("-") else { throw ValidationError("--config: \(file): '\(name)' is not a worker setting") }
            do {
                _ = try WorkerCommand.parse(option)
            } catch {
                let reason = WorkerCommand.message(for: error)
                throw ValidationError("--config: \(file): '\(name)': \(reason.isEmpty ? "not a worker setting (see connectq worker --help)" : reason)")
            }
            arguments += option
        }
        return arguments
    }
}
