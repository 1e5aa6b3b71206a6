import Foundation

/// luacheck (Debian's lua-check) over Lua files, with every global but Redis's own
/// forbidden: a name used before it is defined, or misspelt, is a global at run time and an
/// error only when that line first runs in production.
public enum Luacheck {
    /// Its exit status and report; `only` keeps the codes starting with it (`"1"`: globals).
    public static func run(_ files: [String], only codes: String? = nil, in dir: URL) throws -> (status: Int32, report: String) {
        let report = dir.appendingPathComponent("report-\(UUID().uuidString).txt").path
        let luacheck = try ChildProcess(["luacheck", "--std", "lua51", "--read-globals", "redis", "cjson", "cmsgpack", "bit", "unpack",
                                         "--no-max-line-length", "--codes", "--no-color", "--formatter", "plain"]
                                        + (codes.map { ["--only", $0] } ?? []) + ["--"] + files, outputPath: report)
        let status = luacheck.waitBlocking()
        return (status, (try? String(contentsOfFile: report, encoding: .utf8)) ?? "")
    }
}
