/// A value as MessagePack (msgpack.org), the form the engine's functions read their
/// structured arguments in (`cmsgpack.unpack`, as BullMQ does): lengths come first and
/// strings travel as they are, so Lua reads a job's document without unescaping it, which
/// `cjson.decode` spent most of a function's time on.
extension JSONValue {
    public var messagePack: [UInt8] {
        var bytes: [UInt8] = []
        MessagePackWriter.write(self, into: &bytes)
        return bytes
    }
}

enum MessagePackWriter {
    static func write(_ value: JSONValue, into bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(0xC0)
        case .bool(let flag): bytes.append(flag ? 0xC3 : 0xC2)
        case .int(let number): writeInt(number, into: &bytes)
        case .double(let number):
            bytes.append(0xCB)
            append(number.bitPattern, into: &bytes)
        case .string(let text): writeString(text, into: &bytes)
        case .array(let items):
            writeLength(items.count, fix: 0x90, sixteen: 0xDC, thirtyTwo: 0xDD, into: &bytes)
            for item in items { write(item, into: &bytes) }
        case .object(let fields):
            writeLength(fields.count, fix: 0x80, sixteen: 0xDE, thirtyTwo: 0xDF, into: &bytes)
            // Sorted, like the JSON writer: the same value gives the same bytes.
            for key in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                writeString(key, into: &bytes)
                write(fields[key]!, into: &bytes)
            }
        }
    }

    private static func writeInt(_ number: Int64, into bytes: inout [UInt8]) {
        switch number {
        case 0...0x7F: bytes.append(UInt8(number))
        case -32 ..< 0: bytes.append(UInt8(bitPattern: Int8(number)))
        case Int64(Int32.min)...Int64(Int32.max):
            bytes.append(0xD2)
            append(UInt32(bitPattern: Int32(number)), into: &bytes)
        default:
            bytes.append(0xD3)
            append(UInt64(bitPattern: number), into: &bytes)
        }
    }

    private static func writeString(_ text: String, into bytes: inout [UInt8]) {
        let count = text.utf8.count
        switch count {
        case 0..<32: bytes.append(0xA0 | UInt8(count))
        case 32...0xFF: bytes += [0xD9, UInt8(count)]
        case 0x100...0xFFFF:
            bytes.append(0xDA)
            append(UInt16(count), into: &bytes)
        default:
            bytes.append(0xDB)
            append(UInt32(count), into: &bytes)
        }
        bytes.append(contentsOf: text.utf8)
    }

    private static func writeLength(_ count: Int, fix: UInt8, sixteen: UInt8, thirtyTwo: UInt8, into bytes: inout [UInt8]) {
        switch count {
        case 0..<16: bytes.append(fix | UInt8(count))
        case 16...0xFFFF:
            bytes.append(sixteen)
            append(UInt16(count), into: &bytes)
        default:
            bytes.append(thirtyTwo)
            append(UInt32(count), into: &bytes)
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
