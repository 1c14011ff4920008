import Dispatch

/// Contiguous parts of `0..<count` for work spread over cores: at most `parallelism` parts, none
/// shorter than `minimumPart` (a single part when `count` is smaller), the sizes as even as
/// possible.
struct WorkSplit: Sendable {
    let bounds: [Int]

    init(count: Int, parallelism: Int, minimumPart: Int) {
        let parts = max(1, min(parallelism, count / max(minimumPart, 1)))
        bounds = (0...parts).map { $0 * count / parts }
    }

    var count: Int { bounds.count - 1 }
    subscript(part: Int) -> Range<Int> { bounds[part]..<bounds[part + 1] }

    /// Runs `body` on every part, one thread each; on the calling thread when there is one part.
    func runInParallel(_ body: @Sendable (Range<Int>) -> Void) {
        if count == 1 {
            body(self[0])
        } else {
            DispatchQueue.concurrentPerform(iterations: count) { body(self[$0]) }
        }
    }
}
