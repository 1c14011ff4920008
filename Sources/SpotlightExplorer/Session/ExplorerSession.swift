import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation
import Synchronization

/// Connects an explorer to a running search without either waiting on the other: snapshots go
/// into a one-slot mailbox the UI empties at its frame rate, commands (pause, pin, …) go through
/// a queue that one task forwards to the optimizer actor in order. Saving files happens here too,
/// so that the state stays free of I/O.
public final class ExplorerSession: Sendable {
    public let actor: OptimizerActor
    public let problem: PlacementProblem
    public let methodName: String
    /// Where `s` and `e` write.
    public let placementPath: String
    public let tracePath: String
    /// Where `P` saves the pins.
    public let pinsPath: String
    private let mailbox = Mailbox<OptimizerSnapshot>()
    private let commands: AsyncStream<ExplorerEffect>.Continuation
    private let commandStream: AsyncStream<ExplorerEffect>

    public init(
        actor: OptimizerActor, problem: PlacementProblem, methodName: String, placementPath: String,
        tracePath: String,
        pinsPath: String = "spotlight.pins.json"
    ) {
        self.pinsPath = pinsPath
        self.actor = actor
        self.problem = problem
        self.methodName = methodName
        self.placementPath = placementPath
        self.tracePath = tracePath
        (commandStream, commands) = AsyncStream.makeStream(of: ExplorerEffect.self)
    }

    /// Starts the search and the snapshot and command pumps.
    public func start() {
        let actor = actor
        let mailbox = mailbox
        let commandStream = commandStream
        Task.detached {
            for await snapshot in actor.snapshots { mailbox.put(snapshot) }
        }
        Task.detached {
            for await command in commandStream {
                switch command {
                case .pause: await actor.pause()
                case .resume: await actor.resume()
                case .pinStage(let stage, let device): await actor.pin(stage: stage, to: device)
                case .pinOp(let op, let device): await actor.pin(op: op, to: device)
                case .polish: await actor.polishBest()
                case .savePlacement, .saveTrace, .savePins, .quit: break
                }
            }
        }
        Task.detached { await actor.start() }
    }

    /// The newest snapshot since the last call, if there is one.
    public func takeSnapshot() -> OptimizerSnapshot? { mailbox.take() }

    /// Carries out `effect`: commands are queued for the actor; saves happen now and return what
    /// the status line should say. `.quit` is the caller's business.
    public func perform(_ effect: ExplorerEffect, state: ExplorerState) -> StatusMessage? {
        switch effect {
        case .pause, .resume, .pinStage, .pinOp, .polish:
            commands.yield(effect)
            return nil
        case .savePlacement:
            return savePlacement(state.snapshot)
        case .savePins:
            return savePins(state.snapshot)
        case .saveTrace:
            return saveTrace(state.snapshot)
        case .quit:
            return nil
        }
    }

    func savePlacement(_ snapshot: OptimizerSnapshot?) -> StatusMessage {
        guard let assignment = snapshot?.bestAssignment else {
            return StatusMessage("no valid placement found yet", isError: true)
        }
        let placement = Placement(
            graphName: problem.graph.name, clusterName: problem.cluster.name, method: methodName,
            stepTimeMicroseconds: snapshot?.bestStepTime, assignment: assignment)
        do throws(InputError) {
            try placement.save(to: placementPath, graph: problem.graph, cluster: problem.cluster)
            let which =
                snapshot?.unpinnedBestStepTime == nil
                ? "the best placement" : "the best placement that obeys the pins"
            return StatusMessage(
                "saved \(which) (\(snapshot?.bestStepTime.map(Units.microseconds) ?? "-")) to \(placementPath)"
            )
        } catch {
            return StatusMessage(
                "could not save: \(error.diagnostics.first?.description ?? "\(error)")",
                isError: true)
        }
    }

    func savePins(_ snapshot: OptimizerSnapshot?) -> StatusMessage {
        let pins = PinsFile(stagePins: snapshot?.stagePins ?? [], opPins: snapshot?.opPins ?? [])
        do {
            try pins.save(to: pinsPath, problem: problem)
            return StatusMessage(
                "saved \(pins.stages.count) stage and \(pins.ops.count) op pins to \(pinsPath) (--pins loads them)"
            )
        } catch {
            return StatusMessage(
                "could not save the pins: \(error.diagnostics.first?.description ?? "\(error)")",
                isError: true)
        }
    }

    func saveTrace(_ snapshot: OptimizerSnapshot?) -> StatusMessage {
        guard let assignment = snapshot?.bestAssignment else {
            return StatusMessage("no valid placement found yet", isError: true)
        }
        var simulator = Simulator(problem: problem)
        let result = simulator.simulate(assignment, recordTimeline: true)
        do throws(InputError) {
            try ChromeTrace.write(
                graph: problem.graph, cluster: problem.cluster, result: result, to: tracePath)
            return StatusMessage(
                "saved a Chrome trace of the best placement to \(tracePath) (open it in ui.perfetto.dev)"
            )
        } catch {
            return StatusMessage(
                "could not save the trace: \(error.diagnostics.first?.description ?? "\(error)")",
                isError: true)
        }
    }

    /// Stops the search and waits until it has stopped (its running iteration finished and the
    /// checkpoint, if any, written). Call from a thread that is not Swift concurrency's.
    public func stopAndWait() {
        commands.finish()
        let actor = actor
        Self.waiting { await actor.stop() }
    }

    /// The search's state now, asked of the actor itself: unlike `takeSnapshot()`, it never lags
    /// behind the snapshot pump, so a summary at exit counts every iteration that has finished.
    /// Call from a thread that is not Swift concurrency's.
    public func currentSnapshot() -> OptimizerSnapshot { Self.snapshot(of: actor) }

    /// `actor`'s state now, waited for on the calling thread (not one of Swift concurrency's).
    public static func snapshot(of actor: OptimizerActor) -> OptimizerSnapshot {
        waiting { await actor.snapshot() }
    }

    /// Runs `work` on Swift concurrency and blocks the calling thread until it is done.
    private static func waiting<Value: Sendable>(_ work: @escaping @Sendable () async -> Value)
        -> Value
    {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Value?>(nil)
        Task.detached {
            let value = await work()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }
}
