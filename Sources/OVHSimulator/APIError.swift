/// An error answer in one of the API's two shapes.
struct APIError: Error {
    let status: Int
    let body: [String: String]

    /// `{"class": …, "message": …}`: business and routing errors.
    static func business(_ status: Int, _ errorClass: String, _ message: String) -> APIError {
        APIError(status: status, body: ["class": errorClass, "message": message])
    }

    /// `{"errorCode": …, "httpCode": …, "message": …}`: the authentication layer.
    static func authentication(_ status: Int, _ code: String, _ message: String) -> APIError {
        let reason = [400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"][status] ?? "Error"
        return APIError(status: status, body: ["errorCode": code, "httpCode": "\(status) \(reason)", "message": message])
    }

    static func badRequest(_ message: String) -> APIError { .business(400, "Client::BadRequest", message) }
    static func notFound(_ message: String) -> APIError { .business(404, "Client::NotFound", message) }
    static func conflict(_ message: String) -> APIError { .business(409, "Client::Conflict::AlreadyExists", message) }
}
