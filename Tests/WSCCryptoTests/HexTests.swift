import Testing
import WSCCrypto

@Suite struct HexTests {
    @Test func encodesLowerCase() {
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.encode([0x00, 0x0F, 0xAB, 0xFF]) == "000fabff")
        #expect(Hex.encode([UInt8](0...255)).count == 512)
        #expect(Hex.encode([0xDE, 0xAD, 0xBE, 0xEF][1...2]) == "adbe")  // any sequence of bytes
    }

    @Test func roundTrips() {
        let bytes = [UInt8](0...255)
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Hex.decode("") == [])
    }

    @Test(arguments: ["0", "abc", "0g", "+f", "-1", " 0", "0x00", "AB", "aB", "zz"])
    func decodeRejects(text: String) {
        #expect(Hex.decode(text) == nil)
    }

    @Test func upperCaseOnlyWhenAsked() {
        #expect(Hex.decode("ABcd", acceptingUppercase: true) == [0xAB, 0xCD])
        #expect(Hex.decode("ABcd") == nil)
        #expect(Hex.decode("0G", acceptingUppercase: true) == nil)
        #expect(Hex.decode("abc", acceptingUppercase: true) == nil)
    }
}
