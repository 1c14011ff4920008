/// `C = A Bᵀ` (or `C += A Bᵀ` with `accumulate`): A is `m x depth`, B is `n x depth`, C is `m x n`,
/// each row-major with its own row stride, so that every output is the dot product of a row of A
/// and a row of B, both contiguous.
///
/// All of the policy's heavy work is products of this shape: the recurrent gates `H_prev Uᵀ`, the
/// hidden-state gradients `dG U` (with U transposed once per pass) and the weight gradients
/// `dGᵀ H` (with both transposed once per pass). Outputs are computed in blocks of four rows of A
/// by two rows of B, so that each vector loaded from memory serves several products: a plain dot
/// product loads two numbers per multiply-add and is bound by loads, not arithmetic.
///
/// Every output is summed in the same order (four lanes over the depth, the lanes added, then
/// the remainder) whether it falls in a block or at an edge, so a product split by rows over
/// threads gives the same numbers as a whole one.
@_specialize(where Scalar == Float)
func multiplyTransposed<Scalar: BinaryFloatingPoint & SIMDScalar>(
    _ a: UnsafePointer<Scalar>, rows m: Int, stride strideA: Int,
    _ b: UnsafePointer<Scalar>, rows n: Int, stride strideB: Int,
    depth: Int, into c: UnsafeMutablePointer<Scalar>, stride strideC: Int, accumulate: Bool
) {
    @inline(__always) func load(_ pointer: UnsafePointer<Scalar>) -> SIMD4<Scalar> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Scalar>.self)
    }
    @inline(__always) func store(_ value: Scalar, _ row: Int, _ column: Int) {
        let target = c + row * strideC + column
        target.pointee = accumulate ? target.pointee + value : value
    }
    var i = 0
    while i + 4 <= m {
        let a0 = a + i * strideA
        let a1 = a0 + strideA
        let a2 = a1 + strideA
        let a3 = a2 + strideA
        var j = 0
        while j + 2 <= n {
            let b0 = b + j * strideB
            let b1 = b0 + strideB
            var c00 = SIMD4<Scalar>()
            var c01 = SIMD4<Scalar>()
            var c10 = SIMD4<Scalar>()
            var c11 = SIMD4<Scalar>()
            var c20 = SIMD4<Scalar>()
            var c21 = SIMD4<Scalar>()
            var c30 = SIMD4<Scalar>()
            var c31 = SIMD4<Scalar>()
            var k = 0
            while k + 4 <= depth {
                let y0 = load(b0 + k)
                let y1 = load(b1 + k)
                let x0 = load(a0 + k)
                let x1 = load(a1 + k)
                let x2 = load(a2 + k)
                let x3 = load(a3 + k)
                c00 += x0 * y0
                c01 += x0 * y1
                c10 += x1 * y0
                c11 += x1 * y1
                c20 += x2 * y0
                c21 += x2 * y1
                c30 += x3 * y0
                c31 += x3 * y1
                k += 4
            }
            var s00 = c00.sum()
            var s01 = c01.sum()
            var s10 = c10.sum()
            var s11 = c11.sum()
            var s20 = c20.sum()
            var s21 = c21.sum()
            var s30 = c30.sum()
            var s31 = c31.sum()
            while k < depth {
                let y0 = b0[k]
                let y1 = b1[k]
                s00 += a0[k] * y0
                s01 += a0[k] * y1
                s10 += a1[k] * y0
                s11 += a1[k] * y1
                s20 += a2[k] * y0
                s21 += a2[k] * y1
                s30 += a3[k] * y0
                s31 += a3[k] * y1
                k += 1
            }
            store(s00, i, j)
            store(s01, i, j + 1)
            store(s10, i + 1, j)
            store(s11, i + 1, j + 1)
            store(s20, i + 2, j)
            store(s21, i + 2, j + 1)
            store(s30, i + 3, j)
            store(s31, i + 3, j + 1)
            j += 2
        }
        if j < n {
            let row = b + j * strideB
            for r in 0..<4 { store(dot(a0 + r * strideA, row, depth), i + r, j) }
        }
        i += 4
    }
    while i < m {
        for j in 0..<n { store(dot(a + i * strideA, b + j * strideB, depth), i, j) }
        i += 1
    }
}

/// Writes the `rows x columns` matrix at `source` (row stride `stride`) transposed, densely, to
/// `target` (`columns x rows`), in square tiles so that both sides stay in cache.
@_specialize(where Scalar == Float)
func transpose<Scalar>(
    _ source: UnsafePointer<Scalar>, rows: Int, columns: Int, stride: Int,
    into target: UnsafeMutablePointer<Scalar>
) {
    let tile = 16
    for rowStart in Swift.stride(from: 0, to: rows, by: tile) {
        let rowEnd = min(rowStart + tile, rows)
        for columnStart in Swift.stride(from: 0, to: columns, by: tile) {
            let columnEnd = min(columnStart + tile, columns)
            for row in rowStart..<rowEnd {
                let line = source + row * stride
                for column in columnStart..<columnEnd { target[column * rows + row] = line[column] }
            }
        }
    }
}
