import Foundation
import SpotlightModel
import Testing

@testable import SpotlightSimulation

/// The model fitted to measured step times.
@Suite struct ModelCalibrationTests {
    @Test func choleskySolvesASmallSystemByHand() throws {
        // 4x + 2y = 2, 2x + 3y = 1: x = 0.5, y = 0.
        let solution = try #require(
            ModelCalibration.choleskySolve([4, 2, 2, 3], [2, 1], count: 2))
        #expect(abs(solution[0] - 0.5) < 1e-12 && abs(solution[1]) < 1e-12)
        #expect(ModelCalibration.choleskySolve([1, 2, 2, 1], [1, 1], count: 2) == nil)
    }

    struct Setting {
        var graph: OperationGraph
        var cluster: Cluster
        var cost: CostModel
        var machine: Simulator
        var placements: [[Int]]
    }

    /// A synthetic graph on three devices, a machine that `error` gets wrong, and random
    /// placements whose ops follow their stage.
    func setting(seed: UInt64, error: ModelError, placements count: Int) throws -> Setting {
        let graph = SyntheticGraph(opCount: 150, seed: seed).graph()
        let cluster = SyntheticCluster.make(deviceCount: 3)
        let cost = CostModel(graph: graph, cluster: cluster)
        let stages = StagePartition(graph: graph, maximumStages: 16)
        let machine = Simulator(
            graph: graph, cluster: try error.cluster(cluster),
            cost: error.cost(cost, cluster: cluster))
        var random = SplitMix64(seed: seed &+ 99)
        let placements = (0..<count).map { _ in
            let stageDevices = (0..<stages.count).map { _ in
                Int(random.next() % 3)
            }
            return (0..<graph.count).map { stageDevices[stages.stageOf[$0]] }
        }
        return Setting(
            graph: graph, cluster: cluster, cost: cost, machine: machine, placements: placements)
    }

    func measure(_ setting: inout Setting, _ placements: [[Int]]) -> [MeasuredPlacement] {
        placements.map { MeasuredPlacement($0, stepTime: setting.machine.simulate($0).stepTime) }
    }

    func rmsLogError(_ simulator: inout Simulator, _ measured: [MeasuredPlacement]) -> Double {
        let squares = measured.map {
            pow(log($0.stepTime / simulator.simulate($0.assignment).stepTime), 2)
        }
        return (squares.reduce(0, +) / Double(squares.count)).squareRoot()
    }

    /// Measurements the model already matches leave every factor at zero.
    /// A measurement is of the placement with its devices, op for op, and of no other.
    @Test func aMeasurementIsOfItsOwnPlacementOnly() {
        let measured = MeasuredPlacement([0, 2, 1], stepTime: 5)
        #expect(measured.measures([0, 2, 1]))
        #expect(!measured.measures([0, 2, 2]))
        #expect(!measured.measures([0, 2]))
        #expect(!measured.measures([0, 2, 1, 0]))
    }

    @Test func aModelThatMatchesKeepsItsFactors() throws {
        var setting = try setting(
            seed: 1, error: ModelError(spread: 0, seed: 1), placements: 20)
        var calibration = ModelCalibration(
            graph: setting.graph, cluster: setting.cluster, cost: setting.cost)
        try calibration.fit(measure(&setting, setting.placements))
        #expect(calibration.factors.allSatisfy { abs($0) < 1e-9 })
        #expect(calibration.calibratedCost.computeTime == setting.cost.computeTime)
    }

    /// On a machine the model gets wrong per op and link, the fitted model predicts placements
    /// it was not fitted to with at most half its error, the ones it was fitted to under a third.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func theFitPredictsHeldOutPlacementsBetter(seed: UInt64) throws {
        var setting = try setting(
            seed: seed, error: ModelError(spread: 0.25, seed: seed), placements: 160)
        let measured = measure(&setting, setting.placements)
        let (fitted, heldOut) = (Array(measured.prefix(120)), Array(measured.suffix(40)))
        var calibration = ModelCalibration(
            graph: setting.graph, cluster: setting.cluster, cost: setting.cost)
        try calibration.fit(fitted)
        var model = Simulator(graph: setting.graph, cluster: setting.cluster, cost: setting.cost)
        var calibrated = try calibration.simulator()
        #expect(rmsLogError(&calibrated, heldOut) < 0.5 * rmsLogError(&model, heldOut))
        #expect(rmsLogError(&calibrated, fitted) < 0.3 * rmsLogError(&model, fitted))
    }

    /// A machine uniformly slower than its model is matched by the device type's factor.
    @Test func aUniformSlowdownIsLearnedWhole() throws {
        var setting = try setting(
            seed: 4, error: ModelError(spread: 0, seed: 4), placements: 30)
        let slower = CostModel(
            deviceCount: setting.cost.deviceCount,
            computeTime: setting.cost.computeTime.map { $0 * 1.3 })
        setting.machine = Simulator(graph: setting.graph, cluster: setting.cluster, cost: slower)
        var calibration = ModelCalibration(
            graph: setting.graph, cluster: setting.cluster, cost: setting.cost)
        let measured = measure(&setting, setting.placements)
        try calibration.fit(measured)
        var calibrated = try calibration.simulator()
        #expect(rmsLogError(&calibrated, measured) < 0.02)
        #expect(calibration.factors[0..<2].allSatisfy { abs($0 - log(1.3)) < 0.1 })
    }
}
