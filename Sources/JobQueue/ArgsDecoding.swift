/// Args in, results out: the one place where JSON meets an executor's own types.
enum ArgsDecoding {
    /// Decodes `args` into `T` with the strict decoder: errors name the field (`args.popId`)
    /// and the rule, and fields `T` does not know are refused.
    static func decode<T: Decodable>(_ type: T.Type, from args: JSONValue, refusingUnknown: Bool) throws(JobError) -> T {
        try JSONValue.decodeArgs(T.self, from: args, rejectUnknownKeys: refusingUnknown)
    }

    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONValueEncoder().encode(value)
    }
}
