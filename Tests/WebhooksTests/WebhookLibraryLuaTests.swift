import Foundation
import Testing
import TestSupport
@testable import Webhooks

/// The webhooks' Redis Functions pass luacheck as the engine's do (LuaLibraryTests): a
/// misspelt local is a global at run time, an error only when that line first runs.
@Suite struct WebhookLibraryLuaTests {
    @Test func theLibraryPassesLuacheck() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("connectq-webhook-luacheck-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("webhooks.lua").path
        try WebhookLibrary.library.source.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            let (status, report) = try Luacheck.run([path], in: dir)
            #expect(status == 0, "luacheck:\n\(report)")
        } catch {
            Issue.record("luacheck is not installed (Debian: apt-get install lua-check; ops/test installs it): \(error)")
        }
    }
}
