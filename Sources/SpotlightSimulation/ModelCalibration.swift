import Foundation
import SpotlightModel

/// The model fitted to measured step times: a log factor on each op's time per device type, on
/// each device type's times as a whole, and on each link's transfer times, chosen so that the
/// simulator's step times match the measured ones (BENCHMARKS.md, "A model fitted to the
/// measurements").
///
/// The fit is a Gauss-Newton step on a ridge regression: a simulated step time is linearised in
/// the factors along its critical path (a factor's derivative is the share of the step its ops
/// or transfers take there), and the factors solve the least-squares fit of the measured log step
/// times with a Gaussian prior of log-deviation `priorSpread` on each (ten times wider for a
/// device type as a whole, which carries a machine-wide bias). It is solved in the measurements'
/// space, so a fit of N placements costs N simulations and O(N² x path + N³) arithmetic per
/// round, whatever the number of factors. Pure and deterministic.
public struct ModelCalibration: Sendable {
    public let graph: OperationGraph
    public let cluster: Cluster
    public let cost: CostModel
    /// The spread of measured against simulated log step times that the fit allows for:
    /// measurement noise and what the factors cannot express.
    public var misfit = 0.05
    /// The prior log-deviation of each op's and link's factor.
    public var priorSpread = 0.25
    /// Each device's type, an index into the types in order of first appearance.
    private let typeOf: [Int]
    private let typeCount: Int
    /// Each directed channel's undirected link, `-1` on the diagonal.
    private let linkOf: [Int]
    /// The log factors: the types', then each op's per type (`op * typeCount + type`), then the
    /// links'.
    public private(set) var factors: [Double]

    public init(graph: OperationGraph, cluster: Cluster, cost: CostModel) {
        self.graph = graph
        self.cluster = cluster
        self.cost = cost
        let types = cluster.devices.map(\.type)
        var names: [String] = []
        typeOf = types.map { type in
            if let index = names.firstIndex(of: type) { return index }
            names.append(type)
            return names.count - 1
        }
        typeCount = names.count
        let devices = cluster.deviceCount
        var links = [Int](repeating: -1, count: devices * devices)
        var next = 0
        for from in 0..<devices {
            for to in (from + 1)..<max(from + 1, devices) {
                links[from * devices + to] = next
                links[to * devices + from] = next
                next += 1
            }
        }
        linkOf = links
        factors = [Double](repeating: 0, count: typeCount + graph.count * typeCount + next)
    }

    private var opBase: Int { typeCount }
    private var linkBase: Int { typeCount + graph.count * typeCount }

    /// Each op's time on each device with its factors applied. O(ops x devices).
    public var calibratedCost: CostModel {
        let devices = cost.deviceCount
        var times = cost.computeTime
        for op in 0..<graph.count {
            for device in 0..<devices {
                let type = typeOf[device]
                times[op * devices + device] *= exp(
                    factors[type] + factors[opBase + op * typeCount + type])
            }
        }
        return CostModel(deviceCount: devices, computeTime: times)
    }

    /// The cluster with each link's rate divided by its factor. O(devices²).
    public func calibratedCluster() throws(InputError) -> Cluster {
        try cluster.scalingLinkRates { from, to in
            exp(-factors[linkBase + linkOf[from * cluster.deviceCount + to]])
        }
    }

    /// A simulator of the fitted model.
    public func simulator() throws(InputError) -> Simulator {
        Simulator(graph: graph, cluster: try calibratedCluster(), cost: calibratedCost)
    }

    /// How well a model matched the measurements: the root mean square of measured against
    /// simulated log step times, before a fit and after it.
    public struct FitError: Sendable, Equatable {
        public var before: Double
        public var after: Double

        public init(before: Double, after: Double) {
            self.before = before
            self.after = after
        }
    }

    /// Fits the factors to `measured` placements (an assignment and its measured step time each),
    /// starting from the current factors, in `rounds` Gauss-Newton steps, and says how well the
    /// model matched them before and after; nil when none can be fitted. Placements that fail or
    /// run out of memory in the model are left out. Time: `rounds + 1` simulations of each, over
    /// `workers` threads.
    @discardableResult
    public mutating func fit(
        _ measured: [MeasuredPlacement], rounds: Int = 3, workers: Int = 1
    ) throws(InputError) -> FitError? {
        var before: Double?
        let measured = measured.filter { $0.stepTime > 0 }
        var position = [Int](repeating: -1, count: factors.count)
        for round in 0...rounds {
            let simulator = try simulator()
            let results = simulator.simulateAll(count: measured.count, workers: workers) {
                measured[$0].assignment
            }
            var rows: [SparseRow] = []
            var targets: [Double] = []
            var squares = 0.0
            var count = 0
            for (sample, result) in zip(measured, results) {
                guard result.stepTime > 0, !result.outOfMemory else { continue }
                let residual = log(sample.stepTime) - log(result.stepTime)
                squares += residual * residual
                count += 1
                guard round < rounds else { continue }
                let row = gradient(
                    of: result, assignment: sample.assignment, simulator: simulator,
                    position: &position)
                // Linearised: log measured ≈ log simulated + row · (new factors - factors).
                targets.append(residual + row.dot(factors))
                rows.append(row)
            }
            guard count > 0 else { return nil }
            let error = (squares / Double(count)).squareRoot()
            if round == rounds { return FitError(before: before ?? error, after: error) }
            if round == 0 { before = error }
            solve(rows, targets)
        }
        return nil
    }

    /// The derivative of the log step time in each factor: the share of the step that the
    /// critical path's ops and transfers take.
    private func gradient(
        of result: SimulationResult, assignment: [Int], simulator: Simulator,
        position: inout [Int]
    ) -> SparseRow {
        var row = SparseRow()
        defer { row.release(&position) }
        let devices = cluster.deviceCount
        for step in result.criticalPath {
            switch step {
            case .op(let op):
                let device = assignment[op]
                let share = simulator.cost.time(op: op, device: device) / result.stepTime
                let type = typeOf[device]
                row.add(type, share, position: &position)
                row.add(opBase + op * typeCount + type, share, position: &position)
            case .transfer(_, let producer, let from, let to):
                var bytes = 0.0
                for edge in graph.outputStart[producer]..<graph.outputStart[producer + 1]
                where assignment[graph.outputOp[edge]] == to {
                    bytes = max(bytes, graph.outputEdgeBytes[edge])
                }
                let rate = simulator.cluster.channelBytesPerMicrosecond[from * devices + to]
                row.add(
                    linkBase + linkOf[from * devices + to], bytes / rate / result.stepTime,
                    position: &position)
            }
        }
        return row
    }

    /// The prior's inverse variance of factor `index`, relative to an op's.
    private func weight(_ index: Int) -> Double { index < typeCount ? 0.01 : 1 }

    /// The ridge solution in the measurements' space: factors = W⁻¹ Gᵀ α with
    /// (G W⁻¹ Gᵀ + λ I) α = targets, λ = (misfit / priorSpread)².
    private mutating func solve(_ rows: [SparseRow], _ targets: [Double]) {
        let count = rows.count
        guard count > 0 else { return }
        let ridge = (misfit / priorSpread) * (misfit / priorSpread)
        var dense = [Double](repeating: 0, count: factors.count)
        var kernel = [Double](repeating: 0, count: count * count)
        for p in 0..<count {
            for (index, value) in zip(rows[p].indices, rows[p].values) {
                dense[index] += value / weight(index)
            }
            for q in 0...p {
                let product = rows[q].dot(dense)
                kernel[p * count + q] = product
                kernel[q * count + p] = product
            }
            kernel[p * count + p] += ridge
            for index in rows[p].indices { dense[index] = 0 }
        }
        guard let alpha = Self.choleskySolve(kernel, targets, count: count) else { return }
        var next = [Double](repeating: 0, count: factors.count)
        for p in 0..<count {
            for (index, value) in zip(rows[p].indices, rows[p].values) {
                next[index] += alpha[p] * value / weight(index)
            }
        }
        factors = next
    }

    /// Solves `matrix · x = vector` for a symmetric positive definite `matrix` (row-major,
    /// `count x count`); nil when it is not. O(count³).
    static func choleskySolve(_ matrix: [Double], _ vector: [Double], count: Int) -> [Double]? {
        var lower = matrix
        for j in 0..<count {
            var diagonal = lower[j * count + j]
            for k in 0..<j { diagonal -= lower[j * count + k] * lower[j * count + k] }
            guard diagonal > 0 else { return nil }
            let root = diagonal.squareRoot()
            lower[j * count + j] = root
            for i in (j + 1)..<max(j + 1, count) {
                var sum = lower[i * count + j]
                for k in 0..<j { sum -= lower[i * count + k] * lower[j * count + k] }
                lower[i * count + j] = sum / root
            }
        }
        var solution = vector
        for i in 0..<count {
            var sum = solution[i]
            for k in 0..<i { sum -= lower[i * count + k] * solution[k] }
            solution[i] = sum / lower[i * count + i]
        }
        for i in stride(from: count - 1, through: 0, by: -1) {
            var sum = solution[i]
            for k in (i + 1)..<count { sum -= lower[k * count + i] * solution[k] }
            solution[i] = sum / lower[i * count + i]
        }
        return solution
    }
}

/// A placement and the step time measured for it, kept in a byte per op (a cluster has at most
/// 64 devices), since a fit keeps every measurement of a run.
public struct MeasuredPlacement: Sendable, Equatable {
    public let devices: [UInt8]
    public let stepTime: Double

    public init(_ assignment: [Int], stepTime: Double) {
        devices = assignment.map { UInt8($0) }
        self.stepTime = stepTime
    }

    /// A device per op.
    public var assignment: [Int] { devices.map(Int.init) }

    /// Whether this is a measurement of `assignment`. O(ops), allocating nothing.
    public func measures(_ assignment: [Int]) -> Bool {
        devices.count == assignment.count && zip(devices, assignment).allSatisfy { Int($0) == $1 }
    }
}

/// A sparse vector built by adding to entries: the indices in the order first added.
struct SparseRow: Sendable {
    var indices: [Int] = []
    var values: [Double] = []

    /// Adds `value` at `index`. `position` holds, per index, where it is in this row or -1; the
    /// caller resets the row's entries to -1 once the row is built (`release`).
    mutating func add(_ index: Int, _ value: Double, position: inout [Int]) {
        if position[index] >= 0 {
            values[position[index]] += value
        } else {
            position[index] = indices.count
            indices.append(index)
            values.append(value)
        }
    }

    /// Sets this row's entries of `position` back to -1.
    func release(_ position: inout [Int]) {
        for index in indices { position[index] = -1 }
    }

    func dot(_ dense: [Double]) -> Double {
        var sum = 0.0
        for (index, value) in zip(indices, values) { sum += dense[index] * value }
        return sum
    }
}
