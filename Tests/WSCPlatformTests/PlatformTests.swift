import Testing

@testable import WSCPlatform

@Suite struct PlatformTests {
    @Test func journalFieldNames() {
        #expect(Journal.isValidFieldName("REQUEST_ID"))
        #expect(!Journal.isValidFieldName("_PID"))
        #expect(!Journal.isValidFieldName("lower"))
        #expect(!Journal.isValidFieldName(""))
    }

    /// Outside systemd (no NOTIFY_SOCKET) notifications go nowhere and say so.
    @Test func notifyWithoutAServiceManager() {
        #expect(SystemdNotifier.notify(["STATUS": "testing"]) == false)
    }
}
