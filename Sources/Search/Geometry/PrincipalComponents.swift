/// Principal component analysis of a few hundred or thousand points, exact and deterministic:
/// the rows are centred, their Gram matrix G = X X^T [points, points] is diagonalised by cyclic
/// Jacobi rotations (in a fixed order, so the same input gives the same bits), and point i's
/// coordinate on component k is sqrt(lambda_k) u_k[i], the projection of its centred row on the
/// k-th principal axis. Each component's sign makes its coordinate of largest magnitude positive
/// (the first such point on ties). Cost: points^2 x features for G, about 10 x points^3 for Jacobi.
public struct PrincipalComponents: Sendable {
    /// [points][components].
    public let coordinates: [[Double]]
    /// Each component's share of the total variance (lambda_k / trace G).
    public let explained: [Double]

    /// rows: [points][features], at least 2 points, all of one length.
    public init(rows: [[Double]], components: Int = 2) {
        let n = rows.count
        precondition(n >= 2 && components >= 1, "PCA needs two points and a component")
        let d = rows[0].count
        precondition(rows.allSatisfy { $0.count == d }, "rows of one length")
        var mean = [Double](repeating: 0, count: d)
        for row in rows { for j in 0..<d { mean[j] += row[j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        let centred = rows.map { row in (0..<d).map { row[$0] - mean[$0] } }
        var g = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var dot = 0.0
                for f in 0..<d { dot += centred[i][f] * centred[j][f] }
                g[i * n + j] = dot
                g[j * n + i] = dot
            }
        }
        let trace = (0..<n).reduce(0) { $0 + g[$1 * n + $1] }
        let (values, vectors) = Self.jacobi(g, n: n)
        let order = (0..<n).sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
        let kept = Array(order.prefix(min(components, n)))
        var coordinates = [[Double]](repeating: [Double](repeating: 0, count: kept.count), count: n)
        var explained: [Double] = []
        for (c, k) in kept.enumerated() {
            let lambda = max(0, values[k])
            var column = (0..<n).map { vectors[$0 * n + k] * lambda.squareRoot() }
            let largest = column.indices.max {
                abs(column[$0]) < abs(column[$1]) || (abs(column[$0]) == abs(column[$1]) && $0 > $1)
            }!
            if column[largest] < 0 { column = column.map { -$0 } }
            for i in 0..<n { coordinates[i][c] = column[i] }
            explained.append(trace > 0 ? lambda / trace : 0)
        }
        self.coordinates = coordinates
        self.explained = explained
    }

    /// Eigenvalues and eigenvectors (columns of [n, n] row-major) of the symmetric `a` [n, n], by
    /// cyclic Jacobi sweeps until the off-diagonal part is below 1e-14 of the whole (at most 100).
    static func jacobi(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let total = a.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
            if off <= 1e-28 * total || total == 0 { break }
            for p in 0..<n - 1 {
                for q in p + 1..<n {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0 * n + $0] }, v)
    }
}
