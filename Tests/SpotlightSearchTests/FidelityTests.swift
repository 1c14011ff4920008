import Testing

@testable import SpotlightSearch

@Suite struct FidelityTests {
    /// Kendall's tau-b by hand: 4 items, one swapped pair of 6: (5 - 1) / 6.
    @Test func kendallsTauCountsConcordantPairs() throws {
        #expect(Fidelity.kendallTau([1, 2, 3], [10, 20, 30]) == 1)
        #expect(Fidelity.kendallTau([1, 2, 3], [30, 20, 10]) == -1)
        #expect(
            abs(try #require(Fidelity.kendallTau([1, 2, 3, 4], [1, 3, 2, 4])) - 4.0 / 6) < 1e-12)
        // A tie in one series: tau-b = (2 - 0) / sqrt(3 * 2).
        #expect(
            abs(try #require(Fidelity.kendallTau([1, 2, 3], [1, 1, 2])) - 2 / 6.0.squareRoot())
                < 1e-12)
        #expect(Fidelity.kendallTau([1, 1], [2, 3]) == nil)
        #expect(Fidelity.kendallTau([1], [2]) == nil)
    }

    @Test func errorsAreRelativeToTheMeasurement() throws {
        let rows = [
            Fidelity.Row(label: "a", assignment: [], simulated: 110, measured: 100),
            Fidelity.Row(label: "b", assignment: [], simulated: 72, measured: 90),
            Fidelity.Row(label: "c", assignment: [], simulated: 50, measured: nil),
        ]
        #expect(rows.map(\.error) == [0.1, -0.2, nil])
        #expect(abs(try #require(Fidelity.meanAbsoluteError(rows)) - 0.15) < 1e-12)
        #expect(Fidelity.rankCorrelation(rows) == 1)
    }

    /// The heuristics first, then the local search's best and moves of it, then random ones:
    /// distinct, valid, as many as asked, the same for a seed.
    @Test func thePlacementsAreDistinctValidAndSeeded() throws {
        let problem = try OptimizerTests.problem(ops: 120, stages: 8)
        let placements = Fidelity.placements(problem, count: 12, seed: 3)
        #expect(placements.count == 12)
        #expect(Set(placements.map(\.1)).count == 12)
        #expect(placements.first.map(\.0) == Baselines.run(problem).first?.method)
        #expect(placements.contains { $0.0 == "local search" })
        for (_, assignment) in placements {
            #expect(assignment == problem.repaired(assignment))
        }
        #expect(Fidelity.placements(problem, count: 12, seed: 3).map(\.1) == placements.map(\.1))
    }
}
