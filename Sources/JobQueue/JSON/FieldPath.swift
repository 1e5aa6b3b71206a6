/// Field paths in the one form that errors use everywhere: `args.children[2].name`.
enum FieldPath {
    static func appending(key: String, to path: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    static func appending(index: Int, to path: String) -> String {
        path + "[\(index)]"
    }
}
