internal import COpenSSL

/// The OpenSSL error queue is per thread and Dispatch reuses threads, so every failure path drains it.
enum OpenSSLErrors {
    /// Drains the thread's error queue and returns its messages joined, or `nil` when it was empty.
    static func drain() -> String? {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            messages.append(String(decoding: bytes, as: UTF8.self))
        }
        return messages.isEmpty ? nil : messages.joined(separator: "; ")
    }

    /// Drains the queue and builds an error whose reason names the operation and OpenSSL's words.
    static func error(_ code: CryptoError.Code, _ what: String) -> CryptoError {
        if let detail = drain() {
            return CryptoError(code, "\(what) (OpenSSL: \(detail))")
        }
        return CryptoError(code, what)
    }

    /// Clears the queue after an expected failure (for example a signature that does not verify).
    static func clear() { ERR_clear_error() }
}
