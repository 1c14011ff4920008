/// Synthetic training-step graphs for tests and benchmarks, deterministic by seed.
///
/// The graph looks like one step of training a layered network: a CPU-only input op, a forward
/// pass of layers with branching and skip edges, variables feeding the heavy ops, a loss, a
/// backward pass that mirrors the forward one (each gradient op consumes the gradients of its
/// forward op's consumers and the activation it needs), and an optimizer update per variable,
/// colocated with it. Costs follow log-normal spreads like those of real CNN and RNN layers.
public struct SyntheticGraph {
    public var opCount: Int
    public var seed: UInt64

    public init(opCount: Int, seed: UInt64 = 1) {
        self.opCount = opCount
        self.seed = seed
    }

    /// The smallest graph it can make: input, one layer, a variable, loss, gradients, update.
    public static let minimumOpCount = 6

    public func generate() -> [OperationSpec] {
        precondition(
            opCount >= Self.minimumOpCount,
            "a synthetic graph needs at least \(Self.minimumOpCount) ops")
        var builder = SyntheticGraphBuilder(opCount: opCount, seed: seed)
        return builder.build()
    }

    /// The generated graph, resolved.
    public func graph() -> OperationGraph {
        do {
            return try OperationGraph(
                name: "synthetic_\(opCount)_seed\(seed)",
                source: "spotlight generate --ops \(opCount) --seed \(seed)", ops: generate())
        } catch {
            preconditionFailure("the synthetic generator produced an invalid graph: \(error)")
        }
    }
}
