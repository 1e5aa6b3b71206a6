import OVHModels
import Testing

/// IPv4 as the API writes it: four decimal octets 0–255, ASCII digits, no sign, no leading zeros.
struct IPv4Tests {
    static let addresses = ["0.0.0.0", "192.0.2.1", "255.255.255.255", "10.0.10.100"]
    static let notAddresses = ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.004", "+1.2.3.4", "1.+2.3.4", "-1.2.3.4",
                               "1.2.3.4 ", " 1.2.3.4", "1..3.4", "١.2.3.4", "1.2.3.٤", "１.2.3.4", "1.2.3.4\u{0}", "0x1.2.3.4", ""]
    static let blocks = ["192.0.2.0/30", "0.0.0.0/0", "10.0.0.1/32"]
    static let notBlocks = ["192.0.2.1/30", "192.0.2.0/33", "192.0.2.0/+30", "192.0.2.0/030", "192.0.2.0/٣0", "192.0.2.0", "192.0.2.0/", "192.0.2.0/30/1"]

    @Test(arguments: addresses) func readsAndWritesAddresses(_ text: String) throws {
        #expect(try #require(IPv4Address(text)).description == text)
    }

    @Test(arguments: notAddresses) func refusesAddresses(_ text: String) {
        #expect(IPv4Address(text) == nil, "\(text)")
    }

    @Test(arguments: blocks) func readsAndWritesBlocks(_ text: String) throws {
        #expect(try #require(IPv4Block(text)).description == text)
    }

    @Test(arguments: notBlocks) func refusesBlocks(_ text: String) {
        #expect(IPv4Block(text) == nil, "\(text)")
    }
}
