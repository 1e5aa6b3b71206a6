import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// `--request-log FILE`: one JSON line per API call (time, method, path, status, and a
/// hash of the consumer key, never the key), appended as answers go out, so tests and
/// benchmarks count what a worker really sent.
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    private final class Sink: Sendable {
        let handle: Mutex<FileHandle>
        init(path: String) throws {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteNoPermission) }
            handle.seekToEndOfFile()
            self.handle = Mutex(handle)
        }
    }
    private let sink: Sink

    init(path: String) throws {
        sink = try Sink(path: path)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let consumer = request.headers[HTTPField.Name("X-Ovh-Consumer")!].map(Self.hash) ?? ""
        let response = try await next(request, context)
        let line: [String: Any] = [
            "time": Date().timeIntervalSince1970, "method": request.method.rawValue, "path": request.uri.path,
            "status": response.status.code, "consumerKeyHash": consumer,
        ]
        if var data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]) {
            data.append(0x0A)
            sink.handle.withLock { $0.write(data) }
        }
        return response
    }

    static func hash(_ key: String) -> String {
        String(SHA256.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined().prefix(16))
    }
}
