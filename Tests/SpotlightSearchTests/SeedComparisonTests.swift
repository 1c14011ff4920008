import SpotlightSearch
import Testing

@Suite struct SeedComparisonTests {
    @Test func ratiosTheirSpreadAndTheSeedsWon() {
        // Ratios 0.9, 1.0, 1.1: mean 1.0, sample deviation 0.1, standard error 0.1 / sqrt(3).
        let comparison = SeedComparison([90, 200, 330], against: [100, 200, 300])
        #expect(comparison.seeds == 3 && comparison.wins == 1 && comparison.ties == 1)
        #expect(abs(comparison.meanRatio - 1.0) < 1e-12)
        #expect(abs(comparison.standardError! - 0.1 / 3.0.squareRoot()) < 1e-12)
    }

    @Test func oneSeedHasNoStandardError() {
        let comparison = SeedComparison([95], against: [100])
        #expect(
            comparison.meanRatio == 0.95 && comparison.standardError == nil && comparison.wins == 1)
    }
}
