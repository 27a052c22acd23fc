internal import CCurl
internal import CWSCCurl
import WSCCrypto

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Downloads one file. Implementations must stop reading after `maximumLength` bytes and throw
/// ``TUFError/Code/tooLarge`` (endless-data attack), throw ``TUFError/Code/notFound`` when the file does not exist
/// (HTTP 403/404) and ``TUFError/Code/fetchFailed`` for any other failure.
public protocol Fetcher: Sendable {
    /// The whole file at `url`, at most `maximumLength` bytes.
    func fetch(url: String, maximumLength: Int) throws -> [UInt8]
}

/// Reads `file://` URLs (percent-decoded) or plain absolute paths (literal) from a local directory (an air-gapped copy of a repository), with the
/// same size limits as the network fetcher.
public struct FileFetcher: Fetcher {
    /// Makes a fetcher.
    public init() {}

    public func fetch(url: String, maximumLength: Int) throws -> [UInt8] {
        // A file:// URL is percent-decoded (as curl does); a plain absolute path is taken literally, so a
        // directory copy of a repository may hold percent-encoded role file names as they are.
        var path = url
        if path.hasPrefix("file://") {
            path = try percentDecode(String(path.dropFirst("file://".count)))
        }
        guard path.hasPrefix("/") else {
            throw TUFError(
                .fetchFailed, "\(TUFClient.redacted(url)): only absolute paths and file:// URLs can be read from disk")
        }
        // Non-blocking: a FIFO in a repository copy is refused below, not waited on.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if fd < 0, errno == ENOENT || errno == ENOTDIR || errno == EACCES {
            throw TUFError(.notFound, "\(path) does not exist")
        }
        guard fd >= 0 else { throw TUFError(.fetchFailed, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        // Directories, FIFOs and sockets are refused; a character device is read, up to the limit (an endless
        // one such as /dev/zero ends as tooLarge).
        guard fstat(fd, &st) == 0 else {
            throw TUFError(.fetchFailed, "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        let type = st.st_mode & S_IFMT
        guard type != S_IFDIR, type != S_IFIFO, type != S_IFSOCK else {
            throw TUFError(.notFound, "\(path) is not a file")
        }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw TUFError(.fetchFailed, "cannot read \(path)") }
            if n == 0 { return out }
            guard out.count + n <= maximumLength else {
                throw TUFError(.tooLarge, "\(path) is larger than its limit of \(maximumLength) bytes")
            }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    func percentDecode(_ text: String) throws -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count,
                    let v = Hex.decode(String(decoding: bytes[i + 1...i + 2], as: UTF8.self), acceptingUppercase: true)
                else { throw TUFError(.fetchFailed, "\(text) has an invalid percent escape") }
                guard v[0] != 0, v[0] != UInt8(ascii: "/") else {
                    throw TUFError(.fetchFailed, "\(text) escapes a NUL or a slash")
                }
                out.append(v[0])
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Fetches over http, https or file URLs with libcurl: timeouts, no redirects (unless allowed, and then at
/// most 3), the size limit enforced while receiving, optional public-key pinning and proxy.
public struct CurlFetcher: Fetcher {
    /// Seconds to establish a connection.
    public var connectTimeout: Int
    /// Seconds for a whole transfer (slow-retrieval attacks).
    public var totalTimeout: Int
    /// Abort when the transfer is slower than `lowSpeedLimit` bytes per second for `lowSpeedTime` seconds.
    public var lowSpeedLimit: Int
    /// See `lowSpeedLimit`.
    public var lowSpeedTime: Int
    /// Follow at most 3 redirects (within http/https/file) when set; by default a redirect is a failure.
    public var followRedirects: Bool
    /// `CURLOPT_PINNEDPUBLICKEY`: a PEM/DER file or `sha256//BASE64;...` pins.
    public var pinnedPublicKey: String?
    /// `CURLOPT_PROXY`, for example `http://proxy:3128`.
    public var proxy: String?
    /// `CURLOPT_CAINFO`: a CA bundle other than the system one.
    public var caBundle: String?

    /// Makes a fetcher with the given timeouts (seconds).
    public init(
        connectTimeout: Int = 10, totalTimeout: Int = 60, lowSpeedLimit: Int = 100, lowSpeedTime: Int = 20,
        followRedirects: Bool = false, pinnedPublicKey: String? = nil, proxy: String? = nil, caBundle: String? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.lowSpeedLimit = lowSpeedLimit
        self.lowSpeedTime = lowSpeedTime
        self.followRedirects = followRedirects
        self.pinnedPublicKey = pinnedPublicKey
        self.proxy = proxy
        self.caBundle = caBundle
    }

    /// curl_global_init, exactly once per process (a Swift global's initializer runs once, thread-safely).
    static let globalInit: CURLcode = wsc_curl_global_init_default()

    final class Sink {
        var data: [UInt8] = []
        let limit: Int
        var overflow = false
        init(limit: Int) { self.limit = limit }
    }

    public func fetch(url: String, maximumLength: Int) throws -> [UInt8] {
        guard Self.globalInit == CURLE_OK else { throw TUFError(.fetchFailed, "curl_global_init failed") }
        guard let curl = wsc_curl_easy_init() else { throw TUFError(.fetchFailed, "curl_easy_init failed") }
        defer { wsc_curl_easy_cleanup(curl) }
        let sink = Sink(limit: maximumLength)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let rc: CURLcode = withExtendedLifetime(sink) {
            errorBuffer.withUnsafeMutableBytes { errorBytes in
                func check(_ r: CURLcode) throws {
                    guard r == CURLE_OK else {
                        throw TUFError(
                            .fetchFailed, "curl_easy_setopt failed: \(String(cString: wsc_curl_easy_strerror(r)))")
                    }
                }
                do {
                    try check(wsc_curl_easy_setopt_string(curl, CURLOPT_URL, url))
                    try check(wsc_curl_easy_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https,file"))
                    try check(wsc_curl_easy_setopt_string(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
                    try check(wsc_curl_easy_setopt_long(curl, CURLOPT_FOLLOWLOCATION, followRedirects ? 1 : 0))
                    try check(wsc_curl_easy_setopt_long(curl, CURLOPT_MAXREDIRS, 3))
                    try check(wsc_curl_easy_setopt_long(curl, CURLOPT_CONNECTTIMEOUT, connectTimeout))
                    try check(wsc_curl_easy_setopt_long(curl, CURLOPT_TIMEOUT, totalTimeout))
                    try check(wsc_curl_easy_setopt_long(curl, CURLOPT_LOW_SPEED_LIMIT, lowSpeedLimit))
                    try check(wsc_curl_easy_setopt_long(curl, CURLOPT_LOW_SPEED_TIME, lowSpeedTime))
                    try check(wsc_curl_easy_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
                    try check(wsc_curl_easy_setopt_off_t(curl, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maximumLength)))
                    try check(wsc_curl_easy_setopt_string(curl, CURLOPT_USERAGENT, "wsc-tuf/1"))
                    if let pinnedPublicKey {
                        try check(wsc_curl_easy_setopt_string(curl, CURLOPT_PINNEDPUBLICKEY, pinnedPublicKey))
                    }
                    if let proxy { try check(wsc_curl_easy_setopt_string(curl, CURLOPT_PROXY, proxy)) }
                    if let caBundle { try check(wsc_curl_easy_setopt_string(curl, CURLOPT_CAINFO, caBundle)) }
                    try check(wsc_curl_easy_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBytes.baseAddress))
                    try check(
                        wsc_curl_easy_setopt_pointer(curl, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
                    )
                    try check(
                        wsc_curl_easy_setopt_write_function(curl) { pointer, size, count, context in
                            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                            let n = size * count
                            guard sink.data.count + n <= sink.limit else {
                                sink.overflow = true
                                return 0  // makes curl stop with CURLE_WRITE_ERROR
                            }
                            if n > 0, let pointer {
                                pointer.withMemoryRebound(to: UInt8.self, capacity: n) {
                                    sink.data.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
                                }
                            }
                            return n
                        })
                } catch {
                    return CURLE_FAILED_INIT
                }
                return wsc_curl_easy_perform(curl)
            }
        }
        if sink.overflow || rc == CURLE_FILESIZE_EXCEEDED {
            throw TUFError(.tooLarge, "\(TUFClient.redacted(url)) is larger than its limit of \(maximumLength) bytes")
        }
        var status = 0
        _ = wsc_curl_easy_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        if rc == CURLE_FILE_COULDNT_READ_FILE { throw TUFError(.notFound, "\(TUFClient.redacted(url)) does not exist") }
        guard rc == CURLE_OK else {
            let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let message = detail.isEmpty ? String(cString: wsc_curl_easy_strerror(rc)) : detail
            throw TUFError(.fetchFailed, "cannot fetch \(TUFClient.redacted(url)): \(message)")
        }
        if url.hasPrefix("file:") { return sink.data }
        switch status {
        case 200: return sink.data
        case 403, 404: throw TUFError(.notFound, "\(TUFClient.redacted(url)) does not exist (HTTP \(status))")
        default: throw TUFError(.fetchFailed, "\(TUFClient.redacted(url)) answered HTTP \(status)")
        }
    }
}
