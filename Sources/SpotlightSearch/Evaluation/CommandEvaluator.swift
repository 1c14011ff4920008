import Foundation
import SpotlightModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures placements on real hardware by running a user's command once per placement: the
/// placement file (`spotlight.placement/1`) on its standard input, the measured step time in
/// microseconds as the last line of its standard output. A command that exits non-zero, runs past
/// the timeout or prints no number marks that placement invalid, with the reason passed to
/// `onFailure`; the search goes on. Placements are measured one after another, since two runs on one
/// machine would disturb each other's timing.
public final class CommandEvaluator: Evaluator, @unchecked Sendable {
    public let command: String
    public let timeoutSeconds: Double
    private let graph: OperationGraph
    private let cluster: Cluster
    private let onFailure: @Sendable (String) -> Void

    /// `command` runs through `/bin/sh -c`.
    public init(command: String, graph: OperationGraph, cluster: Cluster, timeoutSeconds: Double = 600,
                onFailure: @escaping @Sendable (String) -> Void = { _ in }) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.graph = graph
        self.cluster = cluster
        self.onFailure = onFailure
        // A command that exits without reading its input closes the pipe; writing the placement
        // must then fail with EPIPE (ignored) rather than kill Spotlight with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    public func evaluate(_ assignments: [[Int]]) -> [Evaluation] {
        assignments.map { assignment in
            switch run(input: Self.placementLine(assignment, graph: graph, cluster: cluster)) {
            case .success(let microseconds):
                return Evaluation(stepTime: microseconds)
            case .failure(let reason):
                onFailure(reason.message)
                return Evaluation(stepTime: nil, failure: reason.message)
            }
        }
    }

    /// The placement as a measuring command reads it: one compact `spotlight.placement/1` line.
    static func placementLine(_ assignment: [Int], graph: OperationGraph, cluster: Cluster) -> String {
        let placement = Placement(graphName: graph.name, clusterName: cluster.name, method: "spotlight", assignment: assignment)
        return JSONWriter.compactString(placement.jsonValue(graph: graph, cluster: cluster)) + "\n"
    }

    struct Failure: Error {
        var message: String
    }

    /// Runs the command once; the step time it printed, or why there is none.
    func run(input: String) -> Result<Double, Failure> {
        let child: SpawnedCommand
        do {
            child = try SpawnedCommand(command: command)
        } catch {
            return .failure(Failure(message: "cannot start `\(command)`: \(error.message)"))
        }
        RunningCommands.add(child.pid)
        defer { RunningCommands.remove(child.pid) }
        // Read both outputs on their own threads so that a chatty command never blocks on a full pipe.
        let output = PipeReader(child.output)
        let errors = PipeReader(child.errors)
        let writer = child.input
        DispatchQueue.global().async {
            try? writer.write(contentsOf: Data(input.utf8))
            try? writer.close()
        }
        let started = Date()
        guard let status = child.wait(timeoutSeconds: timeoutSeconds) else {
            child.killGroup()
            return .failure(Failure(message: "`\(command)` ran longer than \(JSONWriter.format(timeoutSeconds)) s and was stopped"))
        }
        // A process the command left running can hold its output open; the timeout covers that too.
        let remaining = max(1, timeoutSeconds - Date().timeIntervalSince(started))
        guard let text = output.finish(within: remaining), let errorText = errors.finish(within: 1) else {
            child.killGroup()
            return .failure(Failure(message: "`\(command)` exited but left processes holding its output open; they were stopped"))
        }
        guard status.exited, status.code == 0 else {
            let tail = errorText.split(separator: "\n").last.map { ": \($0)" } ?? ""
            let how = status.exited ? "exited with status \(status.code)" : "was killed by signal \(status.code)"
            return .failure(Failure(message: "`\(command)` \(how)\(tail)"))
        }
        let lastLine = text.split(whereSeparator: \.isNewline).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let value = Double(lastLine), value.isFinite, value > 0 else {
            return .failure(Failure(message: "`\(command)` printed \"\(lastLine.prefix(80))\" as its last line, not a step time in microseconds"))
        }
        return .success(value)
    }
}
