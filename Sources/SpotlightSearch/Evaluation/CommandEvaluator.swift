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
/// `onFailure`; the search goes on. Placements are measured one after another, since two runs on
/// one machine would disturb each other's timing.
public final class CommandEvaluator: Evaluator, Sendable {
    private let setup: MeasuringCommand
    public var command: String { setup.command }
    public var timeoutSeconds: Double { setup.timeoutSeconds }

    /// `command` runs through `/bin/sh -c`; `worker`, when given, is its `SPOTLIGHT_WORKER`.
    public init(
        command: String, graph: OperationGraph, cluster: Cluster, timeoutSeconds: Double = 600,
        worker: Int? = nil, onFailure: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        setup = MeasuringCommand(
            command: command, timeoutSeconds: timeoutSeconds, graph: graph, cluster: cluster,
            worker: worker, onFailure: onFailure)
    }

    public func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        assignments.map { setup.evaluation(run(input: setup.placementLine($0, method: method))) }
    }

    /// Runs the command once; the step time it printed, or why there is none.
    func run(input: String) -> Result<Double, MeasuringCommand.Failure> {
        let child: SpawnedCommand
        switch setup.start() {
        case .success(let started): child = started
        case .failure(let failure): return .failure(failure)
        }
        defer {
            child.stopLeftovers()
            RunningCommands.remove(child.pid)
        }
        // Read both outputs on threads of their own: a chatty command never blocks on a full pipe.
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
            return .failure(
                MeasuringCommand.Failure(
                    message:
                        "`\(command)` ran longer than \(JSONWriter.format(timeoutSeconds)) s and was stopped"
                ))
        }
        // A process the command left running can hold its output open; the timeout covers that too.
        let remaining = max(1, timeoutSeconds - Date().timeIntervalSince(started))
        guard let text = output.finish(within: remaining), let errorText = errors.finish(within: 1)
        else {
            child.killGroup()
            return .failure(
                MeasuringCommand.Failure(
                    message:
                        "`\(command)` exited but left processes holding its output open; they were stopped"
                ))
        }
        guard status.exited, status.code == 0 else {
            let tail = errorText.split(separator: "\n").last.map { ": \($0)" } ?? ""
            return .failure(
                MeasuringCommand.Failure(message: "`\(command)` \(status.description)\(tail)"))
        }
        let lastLine =
            text.split(whereSeparator: \.isNewline).last.map {
                $0.trimmingCharacters(in: .whitespaces)
            } ?? ""
        guard let value = Double(lastLine), value.isFinite, value > 0 else {
            return .failure(
                MeasuringCommand.Failure(
                    message:
                        "`\(command)` printed \"\(lastLine.prefix(80))\" as its last line, not a step time in microseconds"
                ))
        }
        return .success(value)
    }
}
