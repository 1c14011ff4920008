import Foundation
import SpotlightModel
import SpotlightTestSupport
import Testing

@testable import SpotlightSearch

@Suite(.tags(.slow), .skippedInQuickLoop) struct CommandEvaluatorTests {
    static let graph = SyntheticGraph(opCount: 40, seed: 1).graph()
    static let cluster = SyntheticCluster.make(deviceCount: 3)
    static let assignment = [Int](repeating: 1, count: graph.count)

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var reasons: [String] = []
        func add(_ reason: String) {
            lock.lock()
            reasons.append(reason)
            lock.unlock()
        }
        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return reasons
        }
    }

    func evaluate(_ command: String, timeout: Double = 60, method: String = "spotlight") -> (
        Evaluation, [String]
    ) {
        let failures = Failures()
        let evaluator = CommandEvaluator(
            command: command, graph: Self.graph, cluster: Self.cluster, timeoutSeconds: timeout,
            onFailure: { failures.add($0) })
        return (evaluator.evaluate([Self.assignment], method: method)[0], failures.all)
    }

    @Test func readsTheLastLineAsTheStepTime() {
        let (evaluation, failures) = evaluate("echo warming up; echo 1234.5")
        #expect(evaluation.stepTime == 1234.5)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func feedsThePlacementOnStandardInput() throws {
        // The command checks that it received a placement file and counts the ops assigned to
        // gpu:0 (device 1, where every op is).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stdin-\(UUID().uuidString)"
        ).path
        let (evaluation, failures) = evaluate(
            "cat > \(file) && grep -q '\"format\": \"spotlight.placement/1\"' \(file) && grep -o '\"gpu:0\"' \(file) | wc -l"
        )
        #expect(evaluation.stepTime == Double(Self.graph.count), "\(failures)")
    }

    @Test func thePlacementNamesTheMethodThatProducedIt() {
        let (evaluation, failures) = evaluate("grep -c '\"method\": \"heft\"'", method: "heft")
        #expect(evaluation.stepTime == 1, "\(failures)")
    }

    @Test func aFailingCommandIsInvalidWithItsReason() {
        let (evaluation, failures) = evaluate("echo broken >&2; exit 3")
        #expect(evaluation.stepTime == nil && !evaluation.isValid)
        #expect(failures.first?.contains("exited with status 3: broken") == true, "\(failures)")
    }

    @Test func garbageOutputIsInvalid() {
        let (evaluation, failures) = evaluate("echo fast")
        #expect(evaluation.stepTime == nil)
        #expect(failures.first?.contains("printed \"fast\"") == true)
    }

    @Test func aHangingCommandIsStoppedAtTheTimeout() {
        let started = Date()
        let (evaluation, failures) = evaluate("sleep 30", timeout: 0.5)
        #expect(evaluation.stepTime == nil)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(failures.first?.contains("ran longer than 0.5 s") == true)
    }

    @Test func aCommandLeavingProcessesBehindCannotHangTheSearch() {
        // The shell exits at once, but the background sleep keeps its output open.
        let started = Date()
        let (evaluation, failures) = evaluate("sleep 30 & echo 5", timeout: 1)
        #expect(evaluation.stepTime == nil)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(
            failures.first?.contains("left processes holding its output open") == true,
            "\(failures)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/environ")))
    func processesACommandDetachedFromItsGroupAreStoppedAfterIt() throws {
        // setsid puts the sleep in a session and group of its own, out of reach of a group kill.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "detached-\(UUID().uuidString)"
        ).path
        let (evaluation, failures) = evaluate(
            "setsid sh -c 'echo $$ > \(file); exec sleep 1000' > /dev/null 2>&1 < /dev/null & "
                + "while [ ! -s \(file) ]; do sleep 0.01; done; echo 7")
        #expect(evaluation.stepTime == 7, "\(failures)")
        let detached = try #require(
            pid_t(
                String(contentsOfFile: file, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        let deadline = Date().addingTimeInterval(5)
        while kill(detached, 0) == 0 && Date() < deadline { usleep(10_000) }
        #expect(kill(detached, 0) != 0, "the detached sleep \(detached) is still running")
    }

    @Test func onlyTheTailOfAHugeOutputIsKept() throws {
        // About 8 MB of output before the step time: the reader keeps its last 64 KiB.
        let (evaluation, failures) = evaluate(
            "yes 0123456789abcdef | head -c 8000000; echo; echo 42")
        #expect(evaluation.stepTime == 42, "\(failures)")
        let pipe = Pipe()
        let reader = PipeReader(pipe.fileHandleForReading, keeping: 100)
        try pipe.fileHandleForWriting.write(
            contentsOf: Data((String(repeating: "x", count: 5000) + "\nlast\n").utf8))
        try pipe.fileHandleForWriting.close()
        let tail = try #require(reader.finish(within: 5))
        #expect(tail.utf8.count == 100 && tail.hasSuffix("x\nlast\n"))
    }

    @Test func theSearchGoesOnPastFailures() throws {
        // Every other measurement fails; the optimizer keeps iterating and learns from the rest.
        let problem = try PlacementProblem(
            graph: Self.graph, cluster: Self.cluster, maximumStages: 4)
        let counter = FileManager.default.temporaryDirectory.appendingPathComponent(
            "count-\(UUID().uuidString)"
        ).path
        let script =
            "n=$(cat \(counter) 2>/dev/null || echo 0); echo $((n+1)) > \(counter); if [ $((n % 2)) -eq 0 ]; then exit 1; fi; echo $((1000 + n))"
        let evaluator = CommandEvaluator(
            command: script, graph: Self.graph, cluster: Self.cluster, timeoutSeconds: 10)
        var optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 4, seed: 1))
        for _ in 0..<2 { optimizer.iterate(evaluator: evaluator) }
        #expect(optimizer.state.iteration == 2)
        #expect(optimizer.state.history.map(\.invalidSamples) == [2, 2])
        #expect(optimizer.state.bestStepTime != nil)
    }
}
