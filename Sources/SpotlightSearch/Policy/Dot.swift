/// `sum(a[i] * b[i] for i < count)`, four lanes at a time, the lanes added, then the remainder:
/// a scalar accumulator cannot be vectorised by the compiler (it may not reorder floating-point
/// sums). `multiplyTransposed` sums each of its outputs in exactly this order.
@inline(__always)
func dot<Scalar: BinaryFloatingPoint & SIMDScalar>(
    _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ count: Int
) -> Scalar {
    var lanes = SIMD4<Scalar>()
    var index = 0
    while index + 4 <= count {
        lanes +=
            UnsafeRawPointer(a + index).loadUnaligned(as: SIMD4<Scalar>.self)
            * UnsafeRawPointer(b + index).loadUnaligned(as: SIMD4<Scalar>.self)
        index += 4
    }
    var sum = lanes.sum()
    while index < count {
        sum += a[index] * b[index]
        index += 1
    }
    return sum
}

/// `y[i] += a * x[i]` for `i < count`, eight lanes at a time.
@inline(__always)
@_specialize(where Scalar == Float)
func axpy<Scalar: BinaryFloatingPoint & SIMDScalar>(
    _ a: Scalar, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, _ count: Int
) {
    let scale = SIMD8<Scalar>(repeating: a)
    var index = 0
    while index + 8 <= count {
        let xs = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Scalar>.self)
        let ys = UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Scalar>.self)
        UnsafeMutableRawPointer(y + index).storeBytes(of: ys + scale * xs, as: SIMD8<Scalar>.self)
        index += 8
    }
    while index < count {
        y[index] += a * x[index]
        index += 1
    }
}
