/// The engine's Lua files, read into one Redis Functions library.
///
/// `Lua/helpers/NAME.lua` define locals the functions share; `Lua/functions/NAME.lua` are
/// the bodies of the functions. A file's header says, in `--!` lines, what it needs:
///
/// - `--! uses: jobs events`: the helpers it calls (each one included once, before its
///   first user; `call` is always there).
/// - `--! flags: allow-oom`: Redis function flags.
/// - `--! keys: own`: the function works on keys of its own (`KEYS`, `ARGV` as given)
///   rather than a queue's (`K` by name, the queue's settings read first).
struct LuaLibrary {
    struct File {
        let path: String
        let name: String
        let isFunction: Bool
        let uses: [String]
        let flags: [String]
        let ownKeys: Bool
        let text: String
    }

    enum Problem: Error, CustomStringConvertible {
        case unknownHelper(String, in: String)
        case cycle([String])
        case missingFunction(String)

        var description: String {
            switch self {
            case .unknownHelper(let helper, let file): "\(file) uses '\(helper)', which is no file of Lua/helpers"
            case .cycle(let path): "helpers use each other in a circle: \(path.joined(separator: " → "))"
            case .missingFunction(let name): "no Lua/functions/\(name).lua"
            }
        }
    }

    let helpers: [String: File]
    let functions: [String: File]

    init(files: [(path: String, text: String)]) {
        var helpers: [String: File] = [:], functions: [String: File] = [:]
        for (path, text) in files {
            let file = Self.read(path: path, text: text)
            if file.isFunction { functions[file.name] = file } else { helpers[file.name] = file }
        }
        self.helpers = helpers
        self.functions = functions
    }

    /// The library's body: `prelude` (constants Swift owns), the helpers the functions use,
    /// each once and after what it uses, then each function, registered as
    /// `{{LIBRARY}}_NAME`.
    func body(prelude: String, functions names: [String]) throws(Problem) -> String {
        var included: Set<String> = []
        var lua = prelude
        for name in names {
            guard let function = functions[name] else { throw .missingFunction(name) }
            for helper in try helpersNeeded(by: function) where included.insert(helper.name).inserted {
                lua += "\n-- " + helper.path + "\n" + helper.text + "\n"
            }
        }
        for name in names {
            lua += wrap(functions[name]!)
        }
        return lua
    }

    /// `file`'s helpers and theirs, each after the ones it uses (`call` first).
    func helpersNeeded(by file: File) throws(Problem) -> [File] {
        var ordered: [File] = [], done: Set<String> = [], path: [String] = []
        func visit(_ name: String, from user: String) throws(Problem) {
            if done.contains(name) { return }
            if path.contains(name) { throw .cycle(path + [name]) }
            guard let helper = helpers[name] else { throw .unknownHelper(name, in: user) }
            path.append(name)
            for used in helper.uses { try visit(used, from: helper.path) }
            path.removeLast()
            done.insert(name)
            ordered.append(helper)
        }
        try visit("call", from: file.path)
        for used in file.uses { try visit(used, from: file.path) }
        return ordered
    }

    private func wrap(_ function: File) -> String {
        let takesArguments = function.text.split(separator: "\n").contains { !$0.hasPrefix("--") && $0.contains("ARGV") }
        let start = function.ownKeys ? "local KEYS, ARGV = keys, args; now = clock()"
            : takesArguments ? "local ARGV = begin(keys, args)" : "begin(keys, args)"
        let flags = function.flags.map { "'\($0)'" }.joined(separator: ", ")
        return """

            -- \(function.path)
            local function \(function.name)(keys, args)
            \(start)
            \(function.text)
            end
            redis.register_function{function_name = '{{LIBRARY}}_\(function.name)', callback = \(function.name), flags = {\(flags)}}

            """
    }

    private static func read(path: String, text: String) -> File {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let name = fileName.hasSuffix(".lua") ? String(fileName.dropLast(4)) : fileName
        var uses: [String] = [], flags: [String] = [], ownKeys = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where line.hasPrefix("--! ") {
            let directive = line.dropFirst(4).split(separator: ":", maxSplits: 1)
            guard directive.count == 2 else { continue }
            let words = directive[1].split(separator: " ").map(String.init)
            switch directive[0] {
            case "uses": uses += words
            case "flags": flags += words
            case "keys": ownKeys = words == ["own"]
            default: break
            }
        }
        return File(path: path, name: name, isFunction: path.hasPrefix("functions/"), uses: uses, flags: flags, ownKeys: ownKeys, text: text)
    }
}
