import WSCJSON

/// The operations of protocol version 1.
public enum Operation: String, Sendable, CaseIterable {
    case hello, verify, sign, status, rotate, reload, refresh
}

/// Helpers to build and read protocol headers.
public enum Messages {
    /// A request header: `{"id": id, "op": op, ...fields}`.
    public static func request(id: Int64, op: Operation, _ fields: [(String, JSONValue)] = []) -> JSONObject {
        try! JSONObject([("id", .integer(id)), ("op", .string(op.rawValue))] + fields)
    }

    /// A success response header: `{"id": id, "ok": true, "result": result}`.
    public static func success(id: Int64?, result: JSONObject) -> JSONObject {
        try! JSONObject([("id", id.map { .integer($0) } ?? .null), ("ok", .bool(true)), ("result", .object(result))])
    }

    /// An error response header: `{"id": id, "ok": false, "error": {"code": c, "message": m}}`.
    public static func failure(id: Int64?, _ error: ProtocolError) -> JSONObject {
        try! JSONObject([
            ("id", id.map { .integer($0) } ?? .null), ("ok", .bool(false)),
            (
                "error",
                .object(try! JSONObject([("code", .string(error.code.rawValue)), ("message", .string(error.message))]))
            ),
        ])
    }

    /// The request id of a header, if it has a valid one.
    public static func id(of header: JSONObject) -> Int64? {
        if case .integer(let id) = header["id"] ?? .null, id >= 0 { return id }
        return nil
    }

    /// The parsed request: id and operation, or a protocol error naming what is wrong.
    public static func parseRequest(_ header: JSONObject) throws -> (id: Int64, op: Operation) {
        guard let id = id(of: header) else {
            throw ProtocolError(.badRequest, "the header needs \"id\": a non-negative integer")
        }
        guard case .string(let name) = header["op"] ?? .null else {
            throw ProtocolError(
                .badRequest,
                "the header needs \"op\": one of \(Operation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let op = Operation(rawValue: name) else {
            throw ProtocolError(
                .unknownOperation,
                "unknown operation \"\(name)\"; known: \(Operation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return (id, op)
    }

    /// Reads a response header: the result object, or the error it carries.
    public static func result(of header: JSONObject) throws -> JSONObject {
        if case .bool(true) = header["ok"] ?? .null, case .object(let result) = header["result"] ?? .null {
            return result
        }
        if case .object(let error) = header["error"] ?? .null, case .string(let code) = error["code"] ?? .null {
            let message: String
            if case .string(let m) = error["message"] ?? .null { message = m } else { message = "" }
            throw ProtocolError(.init(code), message)
        }
        throw ProtocolError(.badFrame, "the response header has neither a result nor an error")
    }
}
