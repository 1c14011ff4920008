import RealModule

/// Adam (Kingma, Ba, "Adam: a method for stochastic optimization", ICLR 2015) over a flat
/// parameter vector. Its whole state is plain numbers, so checkpoints restore it exactly.
public struct Adam<Scalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable>: Sendable, Equatable
{
    public var learningRate: Scalar
    public var beta1: Scalar = 0.9
    public var beta2: Scalar = 0.999
    public var epsilon: Scalar
    public var firstMoment: [Scalar]
    public var secondMoment: [Scalar]
    public var step = 0

    public init(parameterCount: Int, learningRate: Scalar, epsilon: Scalar = 1e-8) {
        self.learningRate = learningRate
        self.epsilon = epsilon
        firstMoment = [Scalar](repeating: 0, count: parameterCount)
        secondMoment = [Scalar](repeating: 0, count: parameterCount)
    }

    /// Moves `parameters` against `gradient` (a minimisation step), those from index `tail` on
    /// at `tailFactor` times the learning rate (a block that should learn faster, or not at all).
    @_specialize(where Scalar == Float)
    public mutating func update(
        _ parameters: inout [Scalar], gradient: [Scalar], tail: Int = .max, tailFactor: Scalar = 1
    ) {
        step += 1
        let correction1 = 1 - Scalar.pow(beta1, Scalar(step))
        let correction2 = 1 - Scalar.pow(beta2, Scalar(step))
        for index in parameters.indices {
            let g = gradient[index]
            firstMoment[index] = beta1 * firstMoment[index] + (1 - beta1) * g
            secondMoment[index] = beta2 * secondMoment[index] + (1 - beta2) * g * g
            let mHat = firstMoment[index] / correction1
            let vHat = secondMoment[index] / correction2
            let rate = index < tail ? learningRate : learningRate * tailFactor
            parameters[index] -= rate * mHat / (vHat.squareRoot() + epsilon)
        }
    }
}
