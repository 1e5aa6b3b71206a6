import Foundation
@testable import JobQueue
import Testing
import TestSupport

/// The engine's Lua files (Sources/JobQueue/Lua): every function Swift calls has its file,
/// every helper a file uses is named in its header, and luacheck finds nothing, with every
/// global but Redis's own forbidden: a name used before it is defined, or misspelt, is a
/// global at run time and an error only when that line first runs in production.
@Suite struct LuaLibraryTests {
    @Test func everyFunctionSwiftCallsHasItsFileAndEveryFileIsCalled() {
        let files = Set(QueueLibrary.files.functions.keys)
        let cases = Set(QueueFunction.allCases.map(\.name))
        #expect(files.subtracting(cases).isEmpty, "Lua/functions without a QueueFunction case")
        #expect(cases.subtracting(files).isEmpty, "QueueFunction cases without a file")
    }

    @Test func everyFileNamesWhatItIsAndWhatItTakes() {
        for file in QueueLibrary.files.functions.values {
            let header = file.text.split(separator: "\n").prefix { $0.hasPrefix("--") }
            #expect(header.first?.hasPrefix("-- \(file.name): ") == true, "\(file.path) starts with '-- \(file.name): what it does'")
            #expect(header.contains { $0.hasPrefix("-- KEYS") }, "\(file.path) names its KEYS")
            #expect(header.contains { $0.contains("ARGV") }, "\(file.path) names its ARGV")
        }
    }

    @Test func theLibraryAndEachFunctionWithOnlyTheHelpersItNamesPassLuacheck() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("connectq-luacheck-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["KEEP_LUACHECK"] == nil { try? FileManager.default.removeItem(at: dir) } }
        let library = dir.appendingPathComponent("library.lua").path
        try QueueLibrary.source.write(toFile: library, atomically: true, encoding: .utf8)
        var closures: [String] = []
        // Each function alone with the helpers its header names: a helper it calls but does
        // not name is an undefined global here, though the whole library would hide it.
        for name in QueueFunction.allCases.map(\.name) {
            let path = dir.appendingPathComponent("only-\(name).lua").path
            try QueueLibrary.files.body(prelude: QueueLibrary.prelude, functions: [name]).write(toFile: path, atomically: true, encoding: .utf8)
            closures.append(path)
        }
        // Everything in the library; only what concerns globals (codes 1xx) and syntax in
        // the closures, where the helpers a function does not call are unused by design.
        try expectLuacheckPasses([library], in: dir)
        try expectLuacheckPasses(closures, only: "1", in: dir)
    }

    private func expectLuacheckPasses(_ files: [String], only codes: String? = nil, in dir: URL) throws {
        do {
            let (status, report) = try Luacheck.run(files, only: codes, in: dir)
            #expect(status == 0, "luacheck:\n\(report)")
        } catch {
            Issue.record("luacheck is not installed (Debian: apt-get install lua-check; ops/test installs it): \(error)")
        }
    }
}
