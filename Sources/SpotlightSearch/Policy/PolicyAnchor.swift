/// A placement the policy proposes changes to: the logit of its device at each stage is raised by
/// a constant, so that q(a_n | s_n) = softmax(f_θ(s_n) + bias_n e_anchor(n)).
///
/// The network f_θ learns which departures from the anchor pay; the bias keeps a sample a few
/// stages away from it, a learned neighbourhood move instead of a fresh placement. The anchor is
/// part of the state s_n: it is fixed while a batch is sampled and updated, so the proximal update
/// and its KL bound (Gao, Chen, Li 2018, Theorems 1 and 2) apply to q unchanged, and the gradient
/// at the logits is that of the unbiased network's.
public struct PolicyAnchor: Sendable, Equatable {
    /// The anchor's device at each stage (-1: none, no bias).
    public var devices: [Int]
    /// The bias added to that device's logit, per stage.
    public var bias: [Float]

    public init(devices: [Int], bias: [Float]) {
        precondition(devices.count == bias.count, "a bias for every stage")
        self.devices = devices
        self.bias = bias
    }

    /// The anchor `devices` with the bias that, under a network whose logits are all equal, keeps
    /// each free stage on the anchor's device with probability `1 - moves / free stages`: about
    /// `moves` stages differ from the anchor in a sample. Stages that are pinned or have one
    /// allowed device get no bias. O(stages).
    public init(devices: [Int], moves: Double, allowedDevices: [UInt64], pins: [Int]) {
        let free = devices.indices.filter {
            allowedDevices[$0].nonzeroBitCount > 1 && !(pins.indices.contains($0) && pins[$0] >= 0)
        }
        let stay = max(0.5, 1 - moves / Double(max(free.count, 1)))
        var bias = [Float](repeating: 0, count: devices.count)
        for stage in free {
            let others = Double(allowedDevices[stage].nonzeroBitCount - 1)
            bias[stage] = Float(log(stay * others / (1 - stay)))
        }
        self.init(devices: devices, bias: bias)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
