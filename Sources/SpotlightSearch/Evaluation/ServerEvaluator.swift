import Foundation
import SpotlightModel
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Measures placements through one long-running command, which sets up once (imports its
/// framework, builds the model) and then measures placement after placement: each placement is
/// one line of compact `spotlight.placement/1` JSON on its standard input, and its answer is the
/// next line of its standard output that is a step time in microseconds or `error: REASON`.
/// Other output lines are ignored (progress chatter).
///
/// A placement the command answers with an error, or does not answer within the timeout, is
/// invalid with the reason passed to `onFailure`, and the search goes on. After a timeout the
/// command is stopped with its whole process group and started again for the next placement, as
/// it is when it exits. Measurements run one after another, as with ``CommandEvaluator``;
/// ``RunningCommands`` stops the command when Spotlight exits.
public final class ServerEvaluator: Evaluator, Sendable {
    private let setup: MeasuringCommand
    public var command: String { setup.command }
    public var timeoutSeconds: Double { setup.timeoutSeconds }
    /// The running server, if any: measurements hold it one at a time.
    private let state = Mutex<Server?>(nil)

    private struct Server: Sendable {
        let process: SpawnedCommand
        let answers: LineReader
        let errors: TailReader
    }

    /// `command` runs through `/bin/sh -c`; `worker`, when given, is its `SPOTLIGHT_WORKER`.
    public init(
        command: String, graph: OperationGraph, cluster: Cluster, timeoutSeconds: Double = 600,
        worker: Int? = nil, onFailure: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        setup = MeasuringCommand(
            command: command, timeoutSeconds: timeoutSeconds, graph: graph, cluster: cluster,
            worker: worker, onFailure: onFailure)
    }

    deinit {
        state.withLock { server in
            if let running = server { stop(running, gracefully: true, server: &server) }
        }
    }

    public func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        state.withLock { server in
            assignments.map {
                setup.evaluation(measure(setup.placementLine($0, method: method), server: &server))
            }
        }
    }

    private func measure(_ line: String, server: inout Server?) -> Result<
        Double, MeasuringCommand.Failure
    > {
        let running: Server
        if let server {
            running = server
        } else {
            switch setup.start() {
            case .success(let process):
                running = Server(
                    process: process, answers: LineReader(process.output),
                    errors: TailReader(process.errors))
                server = running
            case .failure(let failure):
                return .failure(failure)
            }
        }
        do {
            try running.process.input.write(contentsOf: Data(line.utf8))
        } catch {
            return .failure(.init(message: ended(running, server: &server)))
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            switch running.answers.next(within: max(0, deadline.timeIntervalSinceNow)) {
            case .timedOut:
                stop(running, gracefully: false, server: &server)
                return .failure(
                    .init(
                        message:
                            "`\(command)` gave no answer within \(JSONWriter.format(timeoutSeconds)) s; it was stopped, to be started again for the next placement"
                    ))
            case .ended:
                return .failure(.init(message: ended(running, server: &server)))
            case .line(let text):
                let answer = text.trimmingCharacters(in: .whitespaces)
                if answer.hasPrefix("error:") {
                    return .failure(
                        .init(
                            message:
                                "`\(command)`: \(answer.dropFirst(6).trimmingCharacters(in: .whitespaces))"
                        ))
                }
                guard let value = Double(answer) else { continue }
                guard value.isFinite, value > 0 else {
                    return .failure(
                        .init(
                            message:
                                "`\(command)` answered \(answer.prefix(80)), not a positive step time in microseconds"
                        ))
                }
                return .success(value)
            }
        }
    }

    /// Why the server is gone (it exited, or closed its input): its status and last words. The
    /// next placement starts it again.
    private func ended(_ running: Server, server: inout Server?) -> String {
        let status = stop(running, gracefully: true, server: &server)
        let how = status?.description ?? "was stopped"
        let tail = running.errors.lastLine(within: 1).map { ": \($0)" } ?? ""
        return "`\(command)` \(how) before answering\(tail)"
    }

    /// Closes its input (a server that reads to the end, then exits), gives it two seconds to end
    /// when `gracefully`, and stops what is left of its process group. Its exit status, if it
    /// ended by itself.
    @discardableResult
    private func stop(_ running: Server, gracefully: Bool, server: inout Server?) -> SpawnedCommand
        .ExitStatus?
    {
        try? running.process.input.close()
        let status = gracefully ? running.process.wait(timeoutSeconds: 2) : nil
        if status == nil { running.process.killGroup() }
        running.process.stopLeftovers()
        RunningCommands.remove(running.process.pid)
        server = nil
        return status
    }
}
