import SpotlightModel

extension LocalSearch {
    /// A climb in progress: the current placement and where the climb stands in its passes, so
    /// that a caller can take one batch of moves at a time (`LocalSearch.step`) and interleave
    /// them with another search. A pass tries every move of one kind in a shuffled order; a kind
    /// is passed over again while a pass improves, then the next kind; the climb is at a local
    /// optimum once every kind has had a pass without an improvement since the last one.
    public struct Climb: Sendable {
        public private(set) var current: [Int]
        public private(set) var stepTime: Double
        /// Placements measured, confirmations included.
        public internal(set) var evaluated = 0
        /// Moves kept.
        public private(set) var improvements = 0
        var random: SplitMix64
        var kind = 0
        var quietKinds = 0
        /// The pass's moves of `kind`, as indices in the order they are tried, and the next one.
        var order: [Int] = []
        var next = 0
        var passStarted = false
        var passImproved = false
        /// Screened passes: whether the pass still measures only moves the model predicts to help,
        /// the moves it passed over (measured in the pass's tail if nothing it chose helped), and
        /// the model's time of the current placement.
        var screening = false
        var deferred: [Int] = []
        var modelReference: Double?
        /// Placements the model simulated to screen moves (free: not measured).
        public internal(set) var screenedMoves = 0

        public init(from start: [Int], stepTime: Double, seed: UInt64) {
            current = start
            self.stepTime = stepTime
            random = SplitMix64(seed: seed &+ 0x9011_54)
        }

        func isLocalOptimum(kindCount: Int) -> Bool { quietKinds >= kindCount }

        /// Goes on from a faster placement found elsewhere: no longer known to be a local optimum.
        public mutating func restart(from placement: [Int], stepTime: Double) {
            guard stepTime < self.stepTime else { return }
            current = placement
            self.stepTime = stepTime
            quietKinds = 0
            passImproved = true
            modelReference = nil
        }

        /// Takes `stepTime` as the current placement's time, measured again: a noisy best's
        /// recorded time is low by luck, and moves would have to beat the luck too.
        mutating func reestimate(_ placement: [Int], stepTime: Double) {
            guard placement == current else { return }
            self.stepTime = stepTime
            passImproved = true
        }

        /// Drops the pass under way, whose moves were another search's (new pins), and is no
        /// longer known to be at a local optimum.
        mutating func forgetPass() {
            passStarted = false
            quietKinds = 0
            deferred = []
        }

        mutating func move(to placement: [Int], stepTime: Double) {
            current = placement
            self.stepTime = stepTime
            improvements += 1
            passImproved = true
            modelReference = nil
        }

        /// Shuffles `count` moves into a new pass's order (Fisher-Yates, as a pass always has).
        mutating func startPass(_ count: Int, screened: Bool = false) {
            screening = screened
            deferred = []
            order = Array(0..<count)
            for index in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(index, random.nextInt(in: 0...index))
            }
            next = 0
            passStarted = true
            passImproved = false
        }

        /// Ends the pass if every move has been tried: the same kind again if it improved, else
        /// the next kind. Returns whether it ended.
        mutating func endPassIfDone(kindCount: Int) -> Bool {
            guard passStarted, next >= order.count else { return false }
            if screening && !passImproved && !deferred.isEmpty {
                // Nothing the model chose helped: the tail tries what it passed over.
                order = deferred
                deferred = []
                next = 0
                screening = false
                return false
            }
            passStarted = false
            if passImproved {
                quietKinds = 0
            } else {
                quietKinds += 1
                kind = (kind + 1) % kindCount
            }
            return true
        }

        func outcome(atLocalOptimum: Bool) -> Outcome {
            Outcome(
                assignment: current, stepTime: stepTime, evaluated: evaluated,
                improvements: improvements, isLocalOptimum: atLocalOptimum, screened: screenedMoves)
        }
    }

    /// What one batch of a climb may do: measure at most `limit` placements, confirm a would-be
    /// improvement `confirmations` more times, and name `method` to the evaluator.
    public struct Step: Sendable {
        public var limit: Int
        public var confirmations: Int
        public var method: String

        public init(limit: Int, confirmations: Int = 0, method: String = "polish") {
            self.limit = limit
            self.confirmations = confirmations
            self.method = method
        }
    }

    /// Whether `climb` stands at a local optimum: no single move of any kind is faster.
    public func isLocalOptimum(_ climb: Climb) -> Bool {
        climb.isLocalOptimum(kindCount: kindCount)
    }
}
