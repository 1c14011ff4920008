import Foundation
import Testing

extension Tag {
    /// Suites that take seconds: runs of the binary, tmux sessions, searches long enough to learn.
    @Tag public static var slow: Self
}

extension Trait where Self == ConditionTrait {
    /// Skips a slow suite when SPOTLIGHT_QUICK_TESTS is set: the quick loop of README's
    /// "Development" section. CI runs everything.
    public static var skippedInQuickLoop: Self {
        .enabled(
            if: ProcessInfo.processInfo.environment["SPOTLIGHT_QUICK_TESTS"] == nil,
            "slow; SPOTLIGHT_QUICK_TESTS is set")
    }
}
