import Testing
import WSCJSON

/// A named byte string for parameterized tests.
struct BadInput: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let code: JSONError.Code
    var limits = JSONLimits.default
    var testDescription: String { name }

    init(_ name: String, _ text: String, _ code: JSONError.Code, limits: JSONLimits = .default) {
        self.init(name, Array(text.utf8), code, limits: limits)
    }

    init(_ name: String, _ bytes: [UInt8], _ code: JSONError.Code, limits: JSONLimits = .default) {
        self.name = name
        self.bytes = bytes
        self.code = code
        self.limits = limits
    }
}

extension JSONLimits {
    static func with(_ change: (inout JSONLimits) -> Void) -> JSONLimits {
        var limits = JSONLimits()
        change(&limits)
        return limits
    }
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

func parseError(_ bytes: [UInt8], limits: JSONLimits = .default) -> JSONError? {
    do {
        _ = try JSONParser.parse(bytes, limits: limits)
        return nil
    } catch let error as JSONError {
        return error
    } catch {
        return nil
    }
}

func thrownError(_ body: () throws -> Void) -> JSONError? {
    do {
        try body()
        return nil
    } catch let error as JSONError {
        return error
    } catch {
        return nil
    }
}
