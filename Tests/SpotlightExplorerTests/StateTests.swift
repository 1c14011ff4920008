@testable import SpotlightExplorer
import SpotlightModel
import SpotlightSearch
import Testing

/// What the explorer makes of the snapshots the search publishes, apart from keys.
@Suite struct StateTests {
    @Test func aCheckpointFailureIsReportedOnceWhenItBegins() {
        var state = Fixture.state(snapshot: nil)
        var failing = Fixture.snapshot(status: .running)
        failing.checkpointFailure = InputError(file: "/full/run.checkpoint.json", message: "cannot write: No space left on device")
        state.apply(failing)
        #expect(state.message == StatusMessage("checkpoint not saved: /full/run.checkpoint.json: cannot write: No space left on device", isError: true))

        state.message = nil
        state.apply(failing)
        #expect(state.message == nil, "a failure already reported is not reported at every snapshot")

        state.apply(Fixture.snapshot(status: .running))
        state.apply(failing)
        #expect(state.message?.text.hasPrefix("checkpoint not saved") == true, "failing again after a write that worked")
    }
}
