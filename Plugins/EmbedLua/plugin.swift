import Foundation
import PackagePlugin

/// Builds the queue engine's Lua files (`Sources/JobQueue/Lua/**.lua`) into the target as
/// one Swift file of raw string literals, so the binary carries its engine (no file to
/// install beside it) while the Lua stays real `.lua` files that luacheck reads.
///
/// The command is `/bin/sh`, not a Swift tool of this package: a fuzzing build passes
/// `-sanitize=fuzzer` to every tool it builds, and libFuzzer's `main` would clash with a
/// tool's own.
@main struct EmbedLua: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = target.directoryURL.appending(path: "Lua")
        let files = try luaFiles(under: root)
        let output = context.pluginWorkDirectoryURL.appending(path: "LuaSources.swift")
        // Each file becomes ("helpers/call.lua", #"""…"""#); Lua never writes `"""#`.
        let script = ##"""
            out=$1; root=$2; shift 2
            {
              echo '/// The Lua files of Sources/JobQueue/Lua, as the EmbedLua plugin read them at build time.'
              echo 'enum LuaSources {'
              echo '    static let files: [(path: String, text: String)] = ['
              for f; do
                printf '        ("%s", #"""\n' "${f#"$root"/}"
                cat "$f"
                printf '"""#),\n'
              done
              echo '    ]'
              echo '}'
            } > "$out"
            """##
        return [.buildCommand(displayName: "Embedding the queue engine's Lua", executable: URL(fileURLWithPath: "/bin/sh"),
                              arguments: ["-c", script, "embed-lua", output.path, root.path] + files.map(\.path),
                              inputFiles: files, outputFiles: [output])]
    }

    private func luaFiles(under root: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "lua" }
            .sorted { $0.path < $1.path }
    }
}
