import Foundation
import Testing

@testable import SpotlightModel

/// `gzip -n -9` of `{"format": "x"}\n` and of `second\n`, made once with the command-line tool.
private let firstMember: [UInt8] = [
    31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 171, 86, 74, 203, 47, 202, 77, 44, 81, 178, 82, 80, 170, 80,
    170,
    229, 2, 0, 244, 188, 105, 48, 16, 0, 0, 0,
]
private let secondMember: [UInt8] = [
    31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 43, 78, 77, 206, 207, 75, 225, 2, 0, 126, 192, 15, 6, 7, 0, 0,
    0,
]

@Test func gunzipRestoresTheOriginalBytes() throws {
    let bytes = try FileIO.gunzip(firstMember, file: "a.gz")
    #expect(String(decoding: bytes, as: UTF8.self) == "{\"format\": \"x\"}\n")
}

@Test func gunzipJoinsConcatenatedMembersAsGzipDoes() throws {
    let bytes = try FileIO.gunzip(firstMember + secondMember, file: "a.gz")
    #expect(String(decoding: bytes, as: UTF8.self) == "{\"format\": \"x\"}\nsecond\n")
}

@Test func trailingZeroPaddingIsIgnoredAsGzipDoes() throws {
    let bytes = try FileIO.gunzip(firstMember + [UInt8](repeating: 0, count: 512), file: "a.gz")
    #expect(String(decoding: bytes, as: UTF8.self) == "{\"format\": \"x\"}\n")
    #expect(throws: InputError.self) { try FileIO.gunzip(firstMember + [0, 0, 7], file: "a.gz") }
}

@Test func aStreamExpandingPastTheLimitIsRefused() throws {
    // The member holds 16 bytes: 16 fit, 15 do not, whether counted or written.
    #expect(try FileIO.gunzip(firstMember, file: "a.gz", limit: 16).count == 16)
    do {
        _ = try FileIO.gunzip(firstMember, file: "big.gz", limit: 15)
        Issue.record("a stream past the limit decoded")
    } catch {
        #expect(
            error.description.contains("big.gz")
                && error.description.contains("expands past 15 bytes"))
    }
}

@Test func truncatedOrCorruptGzipIsAnErrorNamingTheFile() {
    #expect(throws: InputError.self) {
        try FileIO.gunzip(Array(firstMember.prefix(20)), file: "a.gz")
    }
    var corrupt = firstMember
    corrupt[14] ^= 0xff
    do {
        _ = try FileIO.gunzip(corrupt, file: "b.gz")
        Issue.record("a corrupt stream decoded")
    } catch {
        #expect(error.description.contains("b.gz"))
        #expect(error.description.contains("not a valid gzip file"))
    }
}

@Test func readDecompressesByMagicNumberAndLeavesPlainFilesAlone() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "spotlight-gz-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let compressed = directory.appendingPathComponent("x.json.gz").path
    let plain = directory.appendingPathComponent("x.json").path
    try Data(firstMember).write(to: URL(fileURLWithPath: compressed))
    try Data("{\"format\": \"x\"}\n".utf8).write(to: URL(fileURLWithPath: plain))
    #expect(try FileIO.read(compressed) == FileIO.read(plain))
    #expect(try FileIO.readJSON(compressed)["format"] == .string("x"))
}
