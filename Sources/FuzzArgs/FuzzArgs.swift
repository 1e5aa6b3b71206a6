import FuzzSupport
import JobQueue

/// libFuzzer entry: the args decoding of every job type. The first byte picks the type
/// (bits 1…) and the mode (bit 0: complete or follow-up); the rest is the args' JSON.
/// Seeds (ops/fuzz.d/corpus/FuzzArgs) are the args of jobs/examples/*.json.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArgs(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let registry = FuzzRegistry.validating
    let types = registry.types
    let selector = Int(data[0])
    let type = types[(selector >> 1) % types.count]
    let mode: ValidationMode = selector & 1 == 0 ? .complete : .followUp
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let args = try? JSONValue.parse(bytes) else { return 0 }
    let checked = try? registry.validate(type: type, args: args, mode: mode)
    // What the worker computes for a stored job, whether the args passed or not.
    let keys = registry.resourceKeys(type: type, args: args)
    if mode == .complete, let checked, checked != keys {
        fatalError("\(type): resources differ between validate (\(checked)) and resourceKeys (\(keys)) for \(args.jsonText)")
    }
    return 0
}
