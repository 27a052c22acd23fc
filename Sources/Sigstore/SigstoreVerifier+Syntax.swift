extension SigstoreVerifier {
    /// Checks that `json` parses as a Sigstore bundle (media type, verification material, log entries,
    /// content) without verifying anything: for tools that store or embed bundles.
    /// - Throws: ``SigstoreError`` `.malformedBundle` (or `.unsupported`) naming the field at fault.
    public static func checkBundleSyntax(_ json: [UInt8]) throws {
        _ = try SigstoreBundle(json: json)
    }
}
