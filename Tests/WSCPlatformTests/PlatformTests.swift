import Testing

@testable import WSCPlatform

@Suite struct PlatformTests {
    @Test func curlIsLinked() {
        let version = LibraryVersions.curl
        #expect(version != "unknown")
        #expect(version.split(separator: ".").count >= 2)
    }

    /// Outside systemd (no NOTIFY_SOCKET) notifications go nowhere and say so.
    @Test func notifyWithoutAServiceManager() {
        #expect(SystemdNotifier.notify(["STATUS": "testing"]) == false)
    }
}
