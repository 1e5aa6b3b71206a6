import Foundation
import HTTPTypes
import Hummingbird

/// `X-Pagination-Mode: CachedObjectList-Pages` on a collection GET: the objects themselves,
/// in the order of the id listing, instead of their ids (ovh-api.md §0, from OVH's control
/// panel). The page headers follow OVH's own front-end code for other APIv6 products:
/// `X-Pagination-Size` (objects per page; absent: all of them) and `X-Pagination-Number`
/// (1-based; absent: 1) in, the same two and `X-Pagination-Elements` (the total) out.
/// Another mode, or none, gets the plain id array. Sorting and filtering headers
/// (`X-Pagination-Sort`, `-Filter`) are not modelled: they are ignored.
struct ObjectListing {
    static let modeHeader = HTTPField.Name("X-Pagination-Mode")!
    static let sizeHeader = HTTPField.Name("X-Pagination-Size")!
    static let numberHeader = HTTPField.Name("X-Pagination-Number")!
    static let elementsHeader = HTTPField.Name("X-Pagination-Elements")!
    static let mode = "CachedObjectList-Pages"

    let size: Int?
    let number: Int

    /// nil when the call asks for ids.
    init?(_ headers: HTTPFields) throws(APIError) {
        guard headers[Self.modeHeader]?.trimmingCharacters(in: .whitespaces) == Self.mode else { return nil }
        func positive(_ name: HTTPField.Name) throws(APIError) -> Int? {
            guard let text = headers[name] else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 1 else {
                throw .badRequest("Invalid value for header \(name.rawName): '\(text)' (a whole number from 1)")
            }
            return value
        }
        size = try positive(Self.sizeHeader)
        number = try positive(Self.numberHeader) ?? 1
    }

    /// The requested page of `ids`, each turned into its object; an object gone meanwhile is left out.
    func page<ID, Object: Encodable>(_ ids: [ID], _ object: (ID) throws -> Object?) rethrows -> Response {
        let size = self.size ?? ids.count
        let (start, overflow) = (number - 1).multipliedReportingOverflow(by: size)
        let slice = overflow || start >= ids.count ? [] : ids[start..<start + min(size, ids.count - start)]
        var response = JSONAnswer.response(try slice.compactMap(object))
        response.headers[Self.elementsHeader] = String(ids.count)
        response.headers[Self.numberHeader] = String(number)
        response.headers[Self.sizeHeader] = String(size)
        return response
    }
}

extension Simulator {
    /// A collection GET: the ids `ids` reads, or with `CachedObjectList-Pages` one page of
    /// the objects `object` reads for them, all under one lock (one consistent moment).
    func listing<ID: Encodable, Object: Encodable>(_ request: Request, ids: (inout InventoryState, ContinuousClock.Instant) throws -> [ID],
                                                   object: (InventoryState, ID, ContinuousClock.Instant) throws -> Object?) throws -> Response {
        let now = ContinuousClock.now
        guard let listing = try ObjectListing(request.headers) else {
            return JSONAnswer.response(try inventory.withState { state in try ids(&state, now) })
        }
        return try inventory.withState { state in
            let all = try ids(&state, now)
            return try listing.page(all) { id in try object(state, id, now) }
        }
    }
}
