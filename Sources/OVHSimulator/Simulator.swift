import Foundation
import Hummingbird
import NIOCore
import OVHModels

/// The OVHcloud Connect part of APIv6 on loopback: same paths, models, status codes,
/// error shapes, signatures and task semantics, with faults on demand.
public struct Simulator: Sendable {
    public let options: SimulatorOptions
    let inventory: Inventory

    public init(options: SimulatorOptions) {
        self.options = options
        self.inventory = Inventory(options: options)
    }

    public func application() throws -> some ApplicationProtocol {
        Application(router: try router(), configuration: .init(address: .hostname(options.host, port: options.port), serverName: "ovh-simulator"))
    }

    func router() throws -> Router<BasicRequestContext> {
        let router = Router()
        if let path = options.requestLog { router.add(middleware: try RequestLog(path: path)) }
        router.addMiddleware { QueryIDAndErrors() }
        if options.inspect {
            router.get("_simulator/state") { _, _ in
                let now = ContinuousClock.now
                return JSONAnswer.response(try inventory.withState { $0.snapshot(now: now) })
            }
        }
        let api = router.group("1.0")
        api.get("auth/time") { _, _ in JSONAnswer.response(Int64(Date().timeIntervalSince1970)) }
        let signed = api.group()
            .add(middleware: FaultInjection(options: options))
            .add(middleware: SignatureCheck(options: options))
        if let limit = options.rateLimit { signed.add(middleware: ConsumerQuota(limit: limit)) }
        addCloudConnectRoutes(to: signed)
        addVrackRoutes(to: signed)
        return router
    }

    /// Runs `change` on the inventory at the current time and answers its value as JSON.
    func answer<T: Encodable>(_ change: (inout InventoryState, ContinuousClock.Instant) throws -> T) throws -> Response {
        let now = ContinuousClock.now
        return JSONAnswer.response(try inventory.withState { state in try change(&state, now) })
    }
}

extension RequestContext {
    /// A numeric path id; anything else is an unknown object, as on the API.
    func id(_ name: String) throws(APIError) -> Int64 {
        guard let text = parameters.get(name), let value = Int64(text) else { throw .notFound("Got an invalid (or empty) URL") }
        return value
    }

    func name(_ name: String) throws(APIError) -> String {
        guard let text = parameters.get(name) else { throw .notFound("Got an invalid (or empty) URL") }
        return text
    }
}

extension Request {
    mutating func bodyBytes() async throws -> [UInt8] {
        Array((try await collectBody(upTo: 1 << 20)).readableBytesView)
    }
}
