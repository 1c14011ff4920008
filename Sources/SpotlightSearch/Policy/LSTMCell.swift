import RealModule

/// The LSTM cell's pointwise step (Hochreiter, Schmidhuber 1997, with a forget gate): gate
/// pre-activations `z = [i, f, g, o]` become `σ(i), σ(f), tanh(g), σ(o)` in place, then
/// `c = f c_prev + i g` and `h = o tanh(c)`.
///
/// Five transcendental functions per unit and sample made up a third of a forward pass through
/// libm; in `Float` they run four lanes at a time on `VectorMath.exp`. Other scalars (the gradient
/// checks use `Double`) take libm.
enum LSTMCell {
    @inline(__always)
    static func step<Scalar: Real & BinaryFloatingPoint & SIMDScalar>(
        gates z: UnsafeMutablePointer<Scalar>, previousCell: UnsafePointer<Scalar>?,
        cell: UnsafeMutablePointer<Scalar>,
        cellTanh: UnsafeMutablePointer<Scalar>, hidden: UnsafeMutablePointer<Scalar>, width: Int
    ) {
        var unit = 0
        if Scalar.self == Float.self {
            let zf = UnsafeMutableRawPointer(z)
            var previous: UnsafeRawPointer?
            if let previousCell { previous = UnsafeRawPointer(previousCell) }
            let cf = UnsafeMutableRawPointer(cell)
            let tf = UnsafeMutableRawPointer(cellTanh)
            let hf = UnsafeMutableRawPointer(hidden)
            let block = width * MemoryLayout<Float>.stride
            while unit + 4 <= width {
                let offset = unit * MemoryLayout<Float>.stride
                let inputGate = VectorMath.sigmoid(
                    zf.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self))
                let forgetGate = VectorMath.sigmoid(
                    zf.loadUnaligned(fromByteOffset: offset + block, as: SIMD4<Float>.self))
                let cellGate = VectorMath.tanh(
                    zf.loadUnaligned(fromByteOffset: offset + 2 * block, as: SIMD4<Float>.self))
                let outputGate = VectorMath.sigmoid(
                    zf.loadUnaligned(fromByteOffset: offset + 3 * block, as: SIMD4<Float>.self))
                zf.storeBytes(of: inputGate, toByteOffset: offset, as: SIMD4<Float>.self)
                zf.storeBytes(of: forgetGate, toByteOffset: offset + block, as: SIMD4<Float>.self)
                zf.storeBytes(of: cellGate, toByteOffset: offset + 2 * block, as: SIMD4<Float>.self)
                zf.storeBytes(
                    of: outputGate, toByteOffset: offset + 3 * block, as: SIMD4<Float>.self)
                var c = inputGate * cellGate
                if let previous {
                    c +=
                        forgetGate
                        * previous.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                }
                let t = VectorMath.tanh(c)
                cf.storeBytes(of: c, toByteOffset: offset, as: SIMD4<Float>.self)
                tf.storeBytes(of: t, toByteOffset: offset, as: SIMD4<Float>.self)
                hf.storeBytes(of: outputGate * t, toByteOffset: offset, as: SIMD4<Float>.self)
                unit += 4
            }
        }
        while unit < width {
            let inputGate = 1 / (1 + Scalar.exp(-z[unit]))
            let forgetGate = 1 / (1 + Scalar.exp(-z[width + unit]))
            let cellGate = Scalar.tanh(z[2 * width + unit])
            let outputGate = 1 / (1 + Scalar.exp(-z[3 * width + unit]))
            z[unit] = inputGate
            z[width + unit] = forgetGate
            z[2 * width + unit] = cellGate
            z[3 * width + unit] = outputGate
            let c = inputGate * cellGate + (previousCell.map { forgetGate * $0[unit] } ?? 0)
            cell[unit] = c
            cellTanh[unit] = Scalar.tanh(c)
            hidden[unit] = outputGate * cellTanh[unit]
            unit += 1
        }
    }
}

/// Four-lane `Float` versions of the functions the LSTM cell needs, branch-free so that the
/// compiler keeps them in SIMD registers.
enum VectorMath {
    /// e^x by range reduction, `x = n ln 2 + r` with `|r| <= ln 2 / 2`, a degree-6 polynomial for
    /// e^r (Cephes `expf`, relative error about 2e-7 over the whole range) and `2^n` built in the
    /// exponent bits. Inputs are clamped to about ±87.3, where e^x stays a normal Float.
    @inline(__always)
    static func exp(_ x: SIMD4<Float>) -> SIMD4<Float> {
        let low = SIMD4<Float>(repeating: -87.3)
        let high = SIMD4<Float>(repeating: 87.3)
        let clamped = x.replacing(with: low, where: .!(x .>= low)).replacing(
            with: high, where: x .> high)
        // Round x / ln 2 to the nearest integer by adding and subtracting 1.5 * 2^23: the sum's low
        // mantissa bits are then the integer itself.
        let shifter = SIMD4<Float>(repeating: 12_582_912)
        let shifted = clamped * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD4<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let er = p * (r * r) + r + 1
        let exponent =
            (unsafeBitCast(shifted, to: SIMD4<Int32>.self)
                &- unsafeBitCast(shifter, to: SIMD4<Int32>.self)) &<< 23
        return unsafeBitCast(
            unsafeBitCast(er, to: SIMD4<Int32>.self) &+ exponent, to: SIMD4<Float>.self)
    }

    /// 1 / (1 + e^-x).
    @inline(__always)
    static func sigmoid(_ x: SIMD4<Float>) -> SIMD4<Float> { 1 / (1 + exp(-x)) }

    /// tanh x = 2 σ(2x) - 1: absolute error a few units of 1e-7, which near 0 is a large relative
    /// error but no larger than the rounding of the sums around it.
    @inline(__always)
    static func tanh(_ x: SIMD4<Float>) -> SIMD4<Float> { 2 * sigmoid(2 * x) - 1 }
}
