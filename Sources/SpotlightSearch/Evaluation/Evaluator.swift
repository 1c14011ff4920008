import Dispatch
import SpotlightModel
import SpotlightSimulation

/// What measuring one placement gave.
public struct Evaluation: Sendable, Equatable {
    /// The step time in microseconds; `nil` when the measurement failed.
    public var stepTime: Double?
    public var outOfMemory: Bool
    /// Why the measurement failed, for the log.
    public var failure: String?

    public init(stepTime: Double?, outOfMemory: Bool = false, failure: String? = nil) {
        self.stepTime = stepTime
        self.outOfMemory = outOfMemory
        self.failure = failure
    }

    /// A placement that can be used: measured, and fits in memory.
    public var isValid: Bool { stepTime != nil && !outOfMemory }
}

/// How placements are measured: by the simulator, or by running a user's command on real
/// hardware. The search never knows which.
public protocol Evaluator: Sendable {
    /// Measures each assignment; results are in the same order. `method` names what produced
    /// them ("spotlight", "pg", "heft", ...); a measuring command reads it in the placement's
    /// `method` field.
    func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation]
    /// Measures placements that each name their own method (a remeasurement's round: the best
    /// placement and every baseline); results in the same order. By default one after another;
    /// a `WorkerPool` measures them at once.
    func evaluate(labelled placements: [(assignment: [Int], method: String)]) -> [Evaluation]
}

extension Evaluator {
    public func evaluate(labelled placements: [(assignment: [Int], method: String)])
        -> [Evaluation]
    {
        placements.map { evaluate([$0.assignment], method: $0.method)[0] }
    }
}

/// Measures placements with the simulator, spreading a batch over all cores: each worker has its
/// own `Simulator`, so no state is shared while they run.
public final class SimulatorEvaluator: Evaluator, @unchecked Sendable {
    private let simulators: UnsafeMutableBufferPointer<Simulator>
    public let workerCount: Int

    /// `cost`, when given, is `graph` on `cluster`'s cost model, shared by the workers' simulators.
    public init(
        graph: OperationGraph, cluster: Cluster, cost: CostModel? = nil,
        workers: Int = ProcessInfoCores.count
    ) {
        workerCount = max(1, workers)
        simulators = .allocate(capacity: workerCount)
        let cost = cost ?? CostModel(graph: graph, cluster: cluster)
        for index in 0..<workerCount {
            (simulators.baseAddress! + index).initialize(
                to: Simulator(graph: graph, cluster: cluster, cost: cost))
        }
    }

    deinit {
        simulators.baseAddress!.deinitialize(count: workerCount)
        simulators.deallocate()
    }

    public func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        let results = SharedBuffer(
            UnsafeMutableBufferPointer<Evaluation>.allocate(capacity: assignments.count))
        defer { results.buffer.deallocate() }
        let workers = min(workerCount, max(assignments.count, 1))
        let simulators = SharedBuffer(self.simulators)
        // Worker w alone touches simulator w and results w, w + workers, ...
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < assignments.count {
                let result = simulators.buffer[worker].simulate(assignments[index])
                (results.buffer.baseAddress! + index).initialize(
                    to: Evaluation(stepTime: result.stepTime, outOfMemory: result.outOfMemory))
                index += workers
            }
        }
        let collected = Array(results.buffer)
        results.buffer.baseAddress!.deinitialize(count: assignments.count)
        return collected
    }
}

extension SimulatorEvaluator {
    /// Measures placements of `problem` with simulators that share its cost model.
    public convenience init(problem: PlacementProblem, workers: Int = ProcessInfoCores.count) {
        self.init(
            graph: problem.graph, cluster: problem.cluster, cost: problem.cost, workers: workers)
    }
}

/// The number of cores to use.
public enum ProcessInfoCores {
    public static var count: Int {
        #if canImport(Glibc) || canImport(Darwin)
            return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
            return 1
        #endif
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
