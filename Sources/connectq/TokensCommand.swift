import ArgumentParser
import Foundation
import HTTPAPI
import JobQueue
import RedisClient

/// `connectq tokens`: the HTTP API's bearer tokens. Redis keeps only each token's SHA-256.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Bearer tokens of the HTTP API (connectq api): create, list, revoke.",
        discussion: "A token is shown once, at creation; Redis keeps only its SHA-256. See docs/api.md.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct RedisOption: ParsableArguments {
        @Option(help: "Redis URL: redis://[[user]:password@]host[:port][/db] or unix:///path.sock[?db=N] (env CONNECTQ_REDIS_URL).")
        var redis: String = ProcessInfo.processInfo.environment["CONNECTQ_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"

        func validate() throws {
            do { _ = try RedisURL(redis) } catch { throw ValidationError("--redis: \(error)") }
        }

        func open() throws -> AccessTokens {
            AccessTokens(redis: RedisClient(url: try RedisURL(redis), options: .init(clientName: "connectq-tokens")))
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it, once.")
        @OptionGroup var redisOption: RedisOption

        @Option(help: "Its name, [A-Za-z0-9_.-]{1,64}: in the API's logs and as each job's meta.submittedBy.")
        var name: String

        @Option(help: "The queues it may use, comma-separated (a,b), or * for every queue.")
        var queue: String

        @Option(help: "What it may do, comma-separated: enqueue, read, cancel, retry.")
        var scope: String

        @Option(help: "Its request rate for all API servers together, N/s or N/min (bursts of one second's worth). Default: none.")
        var rate: String?

        var grant: APIToken.Grant {
            get throws {
                guard APIToken.Grant.isValidName(name) else { throw ValidationError("--name: '\(name)' must match [A-Za-z0-9_.-]{1,64}") }
                let queues = queue.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if queues != ["*"] {
                    for name in queues where !QueueKeys.isValidName(name) {
                        throw ValidationError("--queue: '\(name)' must match [A-Za-z0-9_.-]{1,64}, or be * alone for every queue")
                    }
                }
                var scopes: [Scope] = []
                for word in scope.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let scope = Scope(rawValue: String(word)) else {
                        throw ValidationError("--scope: '\(word)' is no scope (scopes: \(Scope.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    if !scopes.contains(scope) { scopes.append(scope) }
                }
                var limit: RateLimit?
                if let rate {
                    guard let parsed = RateLimit(rate) else { throw ValidationError("--rate: must be N/s or N/min, such as 50/s, got '\(rate)'") }
                    limit = parsed
                }
                return APIToken.Grant(name: name, queues: queues == ["*"] ? nil : queues, scopes: scopes, rate: limit)
            }
        }

        func validate() throws { _ = try grant }

        func run() async throws {
            let grant = try grant
            let tokens = try redisOption.open()
            defer { tokens.redis.close() }
            let token = APIToken.mint()
            guard try await tokens.create(name: grant.name, digest: APIToken.digest(token), record: grant.record) else {
                printError("a token named \(grant.name) exists: revoke it first (connectq tokens revoke \(grant.name)) or pick another name")
                throw ExitCode(1)
            }
            print(token)
            printError("token \(grant.name) created; it is shown this once: keep it in the client's secret store")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tokens (never the tokens themselves).")
        @OptionGroup var redisOption: RedisOption
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let tokens = try redisOption.open()
            defer { tokens.redis.close() }
            let records = try await tokens.list().map { record -> JSONValue in
                guard var object = record.objectValue else { return record }
                object["intervalMs"] = nil
                object["burst"] = nil
                for field in ["created", "lastUsed"] {
                    if let ms = object[field]?.intValue { object[field] = .string(RFC3339.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))) }
                }
                return .object(object)
            }.sorted { ($0["name"]?.stringValue ?? "") < ($1["name"]?.stringValue ?? "") }
            if output.json { printJSON(.array(records)); return }
            if records.isEmpty { print("no token: connectq api runs open, on loopback only"); return }
            for record in records {
                let list = { (field: String) in (record[field]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",") }
                print("\(record["name"]?.stringValue ?? "?")  queues \(list("queues"))  scopes \(list("scopes"))  rate \(record["rate"]?.stringValue ?? "none")"
                      + "  created \(record["created"]?.stringValue ?? "?")  last used \(record["lastUsed"]?.stringValue ?? "never")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: refused from the API's next request on.")
        @OptionGroup var redisOption: RedisOption

        @Argument(help: "The token's name.")
        var name: String

        func run() async throws {
            let tokens = try redisOption.open()
            defer { tokens.redis.close() }
            guard try await tokens.revoke(name: name) else {
                printError("no token named \(name) (connectq tokens list)")
                throw ExitCode(1)
            }
            print("token \(name) revoked")
        }
    }
}
