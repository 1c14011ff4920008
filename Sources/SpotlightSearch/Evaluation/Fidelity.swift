import SpotlightModel

/// How well simulated step times stand for measured ones: the placements to compare, each one's
/// relative error, the mean absolute error, and Kendall's rank correlation (tau-b), which says
/// whether the simulator orders placements as the hardware does, what a search relies on.
public enum Fidelity {
    /// A placement compared: what produced it, and its simulated and measured step times.
    public struct Row: Sendable, Equatable {
        public var label: String
        public var assignment: [Int]
        public var simulated: Double
        public var measured: Double?

        public init(label: String, assignment: [Int], simulated: Double, measured: Double?) {
            self.label = label
            self.assignment = assignment
            self.simulated = simulated
            self.measured = measured
        }

        /// (simulated − measured) / measured, nil without a measurement.
        public var error: Double? { measured.map { (simulated - $0) / $0 } }
    }

    /// The placements of a fidelity report: every heuristic's; the local search's best from the
    /// fastest heuristic on the simulator and single-stage moves of it; random placements (each
    /// stage on a random device, its ops that may not run there moved to one they may) to make
    /// `count` in all. Deterministic for a seed.
    public static func placements(_ problem: PlacementProblem, count: Int, seed: UInt64) -> [(
        String, [Int]
    )] {
        var chosen: [(String, [Int])] = []
        var seen = Set<[Int]>()
        func add(_ label: String, _ assignment: [Int]) {
            guard chosen.count < count, seen.insert(assignment).inserted else { return }
            chosen.append((label, assignment))
        }
        // Any device per stage: `assignment(stageDevices:)` moves the ops that may not run there.
        let everyDevice = [UInt64](
            repeating: (1 << UInt64(problem.cluster.deviceCount)) - 1, count: problem.stages.count)
        let baselines = Baselines.run(problem)
        for baseline in baselines { add(baseline.method, baseline.assignment) }
        if let start = baselines.min(by: { $0.result.stepTime < $1.result.stepTime }) {
            let search = LocalSearch(problem: problem).polish(
                start.assignment, stepTime: start.result.stepTime,
                evaluator: SimulatorEvaluator(problem: problem),
                budget: 2_000, seed: seed)
            add("local search", search.assignment)
            let devices = problem.stageDevices(of: search.assignment, allowedDevices: everyDevice)
            var random = SplitMix64(seed: seed &+ 0xF1DE)
            for move in 0..<min(3, problem.stages.count) {
                var moved = devices
                let stage = random.nextInt(in: 0...(problem.stages.count - 1))
                let others = (0..<problem.cluster.deviceCount).filter { $0 != devices[stage] }
                guard !others.isEmpty else { continue }
                let device = others[random.nextInt(in: 0...(others.count - 1))]
                moved[stage] = device
                add("local search, move \(move + 1)", problem.assignment(stageDevices: moved))
            }
        }
        var random = SplitMix64(seed: seed)
        var attempts = 0
        while chosen.count < count && attempts < 100 * count {
            attempts += 1
            let devices = (0..<problem.stages.count).map { _ in
                random.nextInt(in: 0...(problem.cluster.deviceCount - 1))
            }
            add("random \(chosen.count + 1)", problem.assignment(stageDevices: devices))
        }
        return chosen
    }

    /// The mean of |error| over the rows measured; nil when none was.
    public static func meanAbsoluteError(_ rows: [Row]) -> Double? {
        let errors = rows.compactMap(\.error).map(abs)
        return errors.isEmpty ? nil : errors.reduce(0, +) / Double(errors.count)
    }

    /// Kendall's tau-b of two equally long series (ties in either count as neither concordant
    /// nor discordant); nil for fewer than two pairs or a constant series. O(n²).
    public static func kendallTau(_ first: [Double], _ second: [Double]) -> Double? {
        precondition(first.count == second.count, "two series of one length")
        var concordant = 0.0
        var discordant = 0.0
        var tiesFirst = 0.0
        var tiesSecond = 0.0
        for i in first.indices {
            for j in first.indices where j > i {
                let a = (first[i] - first[j]).sign
                let b = (second[i] - second[j]).sign
                let aTied = first[i] == first[j]
                let bTied = second[i] == second[j]
                if aTied && bTied { continue }
                if aTied {
                    tiesFirst += 1
                    continue
                }
                if bTied {
                    tiesSecond += 1
                    continue
                }
                if a == b { concordant += 1 } else { discordant += 1 }
            }
        }
        let denominator =
            ((concordant + discordant + tiesFirst) * (concordant + discordant + tiesSecond))
            .squareRoot()
        return denominator > 0 ? (concordant - discordant) / denominator : nil
    }

    /// Kendall's tau between the simulated and measured times of the rows measured.
    public static func rankCorrelation(_ rows: [Row]) -> Double? {
        let measured = rows.filter { $0.measured != nil }
        return kendallTau(measured.map(\.simulated), measured.map { $0.measured! })
    }
}
