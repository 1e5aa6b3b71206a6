import JobQueue

/// libFuzzer entry: any bytes through the JSON reader; what it accepts must survive the
/// writer: parse(write(parse(x))) == parse(x), and writing is stable.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONValue.parse(bytes) else { return 0 }
    let written = value.jsonBytes
    let reread: JSONValue
    do {
        reread = try JSONValue.parse(written)
    } catch {
        fatalError("the writer's output does not parse: \(error); wrote \(value.jsonText)")
    }
    guard reread == value else { fatalError("round trip changed the value: \(value) became \(reread)") }
    guard reread.jsonBytes == written else { fatalError("writing is not stable: \(value.jsonText) then \(reread.jsonText)") }
    return 0
}
