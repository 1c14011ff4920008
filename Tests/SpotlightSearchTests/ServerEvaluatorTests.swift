import Foundation
import SpotlightModel
import Testing

@testable import SpotlightSearch

/// `ServerEvaluator` against shell scripts playing the measuring server: each answers a placement
/// line with 100 plus the number of ops it puts on gpu:1 (device 2), noting each start in a file.
@Suite struct ServerEvaluatorTests {
    typealias Failures = CommandEvaluatorTests.Failures
    static let graph = CommandEvaluatorTests.graph
    static let cluster = CommandEvaluatorTests.cluster

    /// `count` ops on gpu:1, the rest on gpu:0.
    static func assignment(onGPUOne count: Int) -> [Int] {
        (0..<graph.count).map { $0 < count ? 2 : 1 }
    }

    struct Server {
        let directory: String
        var starts: String { directory + "/starts" }

        init() throws {
            directory =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "server-\(UUID().uuidString)"
                ).path
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true)
        }

        /// A server that runs `onPlacement` (with `$n`, the placement's number since its start, and
        /// `$ops`, the ops it puts on gpu:1) before answering.
        func command(onPlacement: String = "") -> String {
            "echo start >> \(starts); n=0; while read -r line; do n=$((n + 1)); "
                + "ops=$(printf '%s' \"$line\" | grep -o '\"gpu:1\"' | wc -l); \(onPlacement) echo measuring...; echo $((ops + 100)); done"
        }

        var startCount: Int {
            ((try? String(contentsOfFile: starts, encoding: .utf8)) ?? "").split(separator: "\n")
                .count
        }
    }

    func evaluator(_ command: String, timeout: Double = 60) -> (ServerEvaluator, Failures) {
        let failures = Failures()
        return (
            ServerEvaluator(
                command: command, graph: Self.graph, cluster: Self.cluster, timeoutSeconds: timeout,
                onFailure: { failures.add($0) }), failures
        )
    }

    @Test func startsOnceAndAnswersEveryPlacementInTurn() throws {
        let server = try Server()
        let (evaluator, failures) = evaluator(server.command())
        let first = evaluator.evaluate(
            [Self.assignment(onGPUOne: 0), Self.assignment(onGPUOne: 7)], method: "spotlight")
        let second = evaluator.evaluate([Self.assignment(onGPUOne: 3)], method: "spotlight")
        #expect(first.map(\.stepTime) == [100, 107])
        #expect(second.map(\.stepTime) == [103])
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(server.startCount == 1)
    }

    @Test func anErrorAnswerFailsThatPlacementOnly() throws {
        let server = try Server()
        let (evaluator, failures) = evaluator(
            server.command(
                onPlacement:
                    "if [ $n -eq 2 ]; then echo 'error: no kernel for gpu:1'; continue; fi;"))
        let results = evaluator.evaluate(
            [
                Self.assignment(onGPUOne: 1), Self.assignment(onGPUOne: 2),
                Self.assignment(onGPUOne: 3),
            ], method: "spotlight")
        #expect(results.map(\.stepTime) == [101, nil, 103])
        #expect(failures.all.count == 1)
        #expect(failures.all.first?.hasSuffix(": no kernel for gpu:1") == true, "\(failures.all)")
        #expect(server.startCount == 1)
    }

    @Test func aServerThatHangsIsStoppedAndStartedAgain() throws {
        let server = try Server()
        let (evaluator, failures) = evaluator(
            server.command(onPlacement: "if [ $n -eq 2 ]; then sleep 30; fi;"), timeout: 1)
        let started = Date()
        let results = evaluator.evaluate(
            [
                Self.assignment(onGPUOne: 1), Self.assignment(onGPUOne: 2),
                Self.assignment(onGPUOne: 3),
            ], method: "spotlight")
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(results.map(\.stepTime) == [101, nil, 103])
        #expect(
            failures.all.first?.contains("gave no answer within 1 s") == true, "\(failures.all)")
        #expect(server.startCount == 2)
    }

    @Test func aServerThatExitsIsStartedAgainAndSaysWhy() throws {
        let server = try Server()
        let (evaluator, failures) = evaluator(
            server.command(
                onPlacement: "if [ $n -eq 2 ]; then echo 'out of memory' >&2; exit 4; fi;"))
        let results = evaluator.evaluate(
            [
                Self.assignment(onGPUOne: 1), Self.assignment(onGPUOne: 2),
                Self.assignment(onGPUOne: 3),
            ], method: "spotlight")
        #expect(results.map(\.stepTime) == [101, nil, 103])
        #expect(
            failures.all.first?.contains("exited with status 4 before answering: out of memory")
                == true, "\(failures.all)")
        #expect(server.startCount == 2)
    }

    @Test func aServerThatCannotStartFailsEveryPlacementWithItsReason() throws {
        let (evaluator, failures) = evaluator("echo 'no module named tensorflow' >&2; exit 1")
        let results = evaluator.evaluate(
            [Self.assignment(onGPUOne: 1), Self.assignment(onGPUOne: 2)], method: "spotlight")
        #expect(results.allSatisfy { $0.stepTime == nil })
        #expect(failures.all.count == 2)
        #expect(
            failures.all.allSatisfy {
                $0.contains("exited with status 1 before answering: no module named tensorflow")
            }, "\(failures.all)")
    }

    @Test func nothingOutlivesTheEvaluator() throws {
        let server = try Server()
        let pidFile = server.directory + "/pid"
        var evaluator: ServerEvaluator? = self.evaluator(
            "echo $$ > \(pidFile); " + server.command()
        ).0
        #expect(
            evaluator?.evaluate([Self.assignment(onGPUOne: 1)], method: "spotlight").first?.stepTime
                == 101)
        let pid = try #require(
            pid_t(
                String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        evaluator = nil
        #expect(kill(pid, 0) != 0, "the server outlived its evaluator")
    }
}
