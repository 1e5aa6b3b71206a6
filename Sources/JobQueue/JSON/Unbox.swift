/// Scalars out of `JSONValue`s, by the decoder's rules; each failure is a `DecodingError`
/// whose description is the rule as a person reads it (`must be a string, got a number`).
enum Unbox {
    /// The standard library's scalar types, for generic callers (`[String]`'s elements, say),
    /// which the decoder reads itself: their own `init(from:)` would ask a single-value
    /// container, which would come back here. Nil for other types.
    static func scalar<T>(_ type: T.Type, _ json: JSONValue, _ codingPath: () -> [any CodingKey]) throws -> T? {
        if type == String.self { return try value(String.self, json, codingPath) as? T }
        if type == Bool.self { return try value(Bool.self, json, codingPath) as? T }
        if type == Double.self { return try value(Double.self, json, codingPath) as? T }
        if type == Float.self { return try value(Float.self, json, codingPath) as? T }
        if type == Int.self { return try value(Int.self, json, codingPath) as? T }
        if type == Int8.self { return try value(Int8.self, json, codingPath) as? T }
        if type == Int16.self { return try value(Int16.self, json, codingPath) as? T }
        if type == Int32.self { return try value(Int32.self, json, codingPath) as? T }
        if type == Int64.self { return try value(Int64.self, json, codingPath) as? T }
        if type == UInt.self { return try value(UInt.self, json, codingPath) as? T }
        if type == UInt8.self { return try value(UInt8.self, json, codingPath) as? T }
        if type == UInt16.self { return try value(UInt16.self, json, codingPath) as? T }
        if type == UInt32.self { return try value(UInt32.self, json, codingPath) as? T }
        if type == UInt64.self { return try value(UInt64.self, json, codingPath) as? T }
        return nil
    }

    // One `value` per scalar type: what the containers' concrete `decode` overloads call.
    static func value(_ type: String.Type, _ json: JSONValue, _ codingPath: () -> [any CodingKey]) throws -> String {
        try string(json, codingPath)
    }

    static func value(_ type: Bool.Type, _ json: JSONValue, _ codingPath: () -> [any CodingKey]) throws -> Bool {
        try bool(json, codingPath)
    }

    static func value(_ type: Double.Type, _ json: JSONValue, _ codingPath: () -> [any CodingKey]) throws -> Double {
        try floatingPoint(type, json, codingPath)
    }

    static func value(_ type: Float.Type, _ json: JSONValue, _ codingPath: () -> [any CodingKey]) throws -> Float {
        try floatingPoint(type, json, codingPath)
    }

    static func value<Integer: FixedWidthInteger>(_ type: Integer.Type, _ json: JSONValue, _ codingPath: () -> [any CodingKey]) throws -> Integer {
        try integer(type, json, codingPath)
    }

    static func string(_ value: JSONValue, _ codingPath: () -> [any CodingKey]) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, "must be a string", value, codingPath()) }
        return text
    }

    /// Only `true` and `false`: not 0/1, not "true".
    static func bool(_ value: JSONValue, _ codingPath: () -> [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, "must be a boolean", value, codingPath()) }
        return flag
    }

    /// From `.int`, or from a `.double` with no fraction (JSON does not tell 3 from 3.0),
    /// within the type's range.
    static func integer<Integer: FixedWidthInteger>(_ type: Integer.Type, _ value: JSONValue,
                                                     _ codingPath: () -> [any CodingKey]) throws -> Integer {
        switch value {
        case .int(let integer):
            if let exact = Integer(exactly: integer) { return exact }
        case .double(let double):
            if let exact = Integer(exactly: double) { return exact }
        default:
            throw mismatch(Integer.self, "must be an integer", value, codingPath())
        }
        throw DecodingError.dataCorrupted(.init(codingPath: codingPath(),
            debugDescription: "must be an integer from \(Integer.min) to \(Integer.max), got \(describe(value))"))
    }

    static func floatingPoint<Floating: BinaryFloatingPoint>(_ type: Floating.Type, _ value: JSONValue,
                                                             _ codingPath: () -> [any CodingKey]) throws -> Floating {
        let converted: Floating
        switch value {
        case .int(let integer): converted = Floating(integer)
        case .double(let double): converted = Floating(double)
        default: throw mismatch(Floating.self, "must be a number", value, codingPath())
        }
        guard converted.isFinite else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath(),
                debugDescription: "must be a number from \(-Floating.greatestFiniteMagnitude) to \(Floating.greatestFiniteMagnitude), got \(describe(value))"))
        }
        return converted
    }

    /// `null` where a value is needed is `valueNotFound`, any other wrong kind `typeMismatch`;
    /// both read `must be X, got Y`.
    static func mismatch(_ type: Any.Type, _ expectation: String, _ value: JSONValue, _ codingPath: [any CodingKey]) -> DecodingError {
        let context = DecodingError.Context(codingPath: codingPath, debugDescription: "\(expectation), got \(value.kindName)")
        if case .null = value { return .valueNotFound(type, context) }
        return .typeMismatch(type, context)
    }

    /// The value itself where it is short and telling, else its kind: `300`, `'purple'`, `an object`.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .int(let integer): return String(integer)
        case .double(let double): return double.description
        case .bool(let flag): return String(flag)
        case .string(let text): return "'\(text.count > 80 ? text.prefix(80) + "…" : text)'"
        default: return value.kindName
        }
    }

    /// The standard library's `init(from:)` for raw-value enums says
    /// `Cannot initialize Color from invalid String value purple`.
    static func isUnknownRawValue(_ description: String) -> Bool {
        description.hasPrefix("Cannot initialize ") && description.contains(" from invalid ")
    }

    static func unknownRawValueRule<T>(_ type: T.Type, _ value: JSONValue) -> String {
        if let enumeration = type as? any (CaseIterable & RawRepresentable).Type {
            return "must be one of \(rawValues(of: enumeration).joined(separator: ", ")), got \(describe(value))"
        }
        return "must be a known \(T.self) value, got \(describe(value))"
    }

    private static func rawValues<Enumeration: CaseIterable & RawRepresentable>(of type: Enumeration.Type) -> [String] {
        Enumeration.allCases.map { "\($0.rawValue)" }
    }
}
