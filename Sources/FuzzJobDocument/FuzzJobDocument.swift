import FuzzSupport
import JobQueue

/// libFuzzer entry: any bytes as a job document, checked against every job type as
/// `connectq enqueue` and the worker's intake do. A refusal is fine; a crash is not, and
/// an accepted document must read back from what it writes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJobDocument(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let document = try? JobDocument.parse(bytes, registry: FuzzRegistry.validating) else { return 0 }
    let written = JSONValue.object(document.jsonObject()).jsonBytes
    do {
        let reread = try JobDocument.parse(written, registry: FuzzRegistry.validating)
        guard reread.jsonObject() == document.jsonObject() else {
            fatalError("an accepted document changed when written and read back: \(JSONValue.object(document.jsonObject()).jsonText)")
        }
    } catch {
        fatalError("an accepted document is refused when written and read back: \(error)")
    }
    return 0
}
