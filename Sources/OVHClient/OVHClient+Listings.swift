import HTTPTransport
import OVHModels

/// What a collection GET sent with `X-Pagination-Mode: CachedObjectList-Pages` answered:
/// the objects themselves, or, from an API that ignores the header, the plain ids.
///
/// The header is what OVH's control panel sends on `GET …/task` "to get objects instead of
/// ids"; that the API honours it on the OCC and vRack listings, how it pages, and how fresh
/// its ("cached") answer is are all unconfirmed (ovh-api.md §0 [U]). The simulator honours
/// it on every collection GET (docs/simulator.md). Callers must therefore cope with ids
/// (read each object, as before) and with a listing that lags a little behind the item GETs.
public enum Listing<Object: Sendable>: Sendable {
    case objects([Object])
    case ids([Int64])

    /// The objects, reading each id with `read` when the API answered ids (nil: gone meanwhile).
    public func resolved(_ read: (Int64) async throws(OVHError) -> Object?) async throws(OVHError) -> [Object] {
        switch self {
        case .objects(let objects): return objects
        case .ids(let ids):
            var objects: [Object] = []
            for id in ids { if let object = try await read(id) { objects.append(object) } }
            return objects
        }
    }
}

extension OVHClient {
    static let paginationMode = (name: "X-Pagination-Mode", value: "CachedObjectList-Pages")

    /// One collection GET asking for objects. Without `X-Pagination-Size` the simulator
    /// answers every object in one page; should the API page anyway (its answer says
    /// `X-Pagination-Elements` is more than it sent), the following pages are read too.
    public func listing<Object: Decodable & Sendable>(_ path: String, route: String, of type: Object.Type = Object.self) async throws(OVHError) -> Listing<Object> {
        let call = "GET \(path)"
        let first = try await self.call("GET", path, route: route, headers: [Self.paginationMode])
        if let ids = try? decode(first, as: [Int64].self, call: call), !ids.isEmpty { return .ids(ids) }
        var objects = try decode(first, as: [Object].self, call: call)
        let total = first.header("X-Pagination-Elements").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? objects.count
        let size = objects.count
        var page = 1
        while objects.count < total && size > 0 {
            page += 1
            let next = try await self.call("GET", path, route: route, headers: [Self.paginationMode, ("X-Pagination-Size", String(size)),
                                                                  ("X-Pagination-Number", String(page))])
            let more = try decode(next, as: [Object].self, call: call)
            if more.isEmpty { break }
            objects += more
        }
        return .objects(objects)
    }

    /// The service's OCC tasks, oldest first as the id listing orders them.
    public func taskListing(of serviceName: String) async throws(OVHError) -> Listing<OCCTask> {
        let listed: Listing<OCCTask> = try await listing("/ovhCloudConnect/\(serviceName)/task", route: Routes.tasks)
        if case .objects(let tasks) = listed { for task in tasks { _ = looked(task, of: serviceName) } }
        return listed
    }

    public func popConfigListing(of serviceName: String) async throws(OVHError) -> Listing<PopConfig> {
        try await listing("/ovhCloudConnect/\(serviceName)/config/pop", route: Routes.pops)
    }

    public func datacenterConfigListing(of serviceName: String, popId: Int64) async throws(OVHError) -> Listing<DatacenterConfig> {
        try await listing("/ovhCloudConnect/\(serviceName)/config/pop/\(popId)/datacenter", route: Routes.datacenterConfigs)
    }

    public func extraConfigListing(of serviceName: String, popId: Int64, datacenterConfigId: Int64) async throws(OVHError) -> Listing<DatacenterExtraConfig> {
        try await listing("/ovhCloudConnect/\(serviceName)/config/pop/\(popId)/datacenter/\(datacenterConfigId)/extra", route: Routes.extras)
    }

    /// The vRack's tasks: only pending ones, since a vRack task vanishes once done.
    public func vrackTaskListing(of vrack: String) async throws(OVHError) -> Listing<VrackTask> {
        try await listing("/vrack/\(vrack)/task", route: Routes.vrackTasks)
    }

    // The objects of a listing, each read by id when the API ignored the header.

    public func popConfigObjects(of serviceName: String) async throws(OVHError) -> [PopConfig] {
        try await popConfigListing(of: serviceName).resolved { (id) async throws(OVHError) in
            try await ifFound { () async throws(OVHError) in try await popConfig(id, of: serviceName) }
        }
    }

    public func datacenterConfigObjects(of serviceName: String, popId: Int64) async throws(OVHError) -> [DatacenterConfig] {
        try await datacenterConfigListing(of: serviceName, popId: popId).resolved { (id) async throws(OVHError) in
            try await ifFound { () async throws(OVHError) in try await datacenterConfig(id, of: serviceName, popId: popId) }
        }
    }

    public func extraConfigObjects(of serviceName: String, popId: Int64, datacenterConfigId: Int64) async throws(OVHError) -> [DatacenterExtraConfig] {
        try await extraConfigListing(of: serviceName, popId: popId, datacenterConfigId: datacenterConfigId).resolved { (id) async throws(OVHError) in
            try await ifFound { () async throws(OVHError) in try await extraConfig(id, of: serviceName, popId: popId, datacenterConfigId: datacenterConfigId) }
        }
    }
}

/// The answer of `call`, or nil on a 404: an object listed a moment ago may be gone.
func ifFound<T>(_ call: () async throws(OVHError) -> T) async throws(OVHError) -> T? {
    do { return try await call() } catch { if error.isNotFound { return nil }; throw error }
}
