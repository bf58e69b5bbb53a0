import Foundation

/// "Nice" axis ticks (steps of 1, 2, 2.5 or 5 times a power of ten) inside an axis range, and their labels.
struct Ticks {
    /// The axis limits; ticks are the multiples of `step` between them.
    let lower: Double
    let upper: Double
    let step: Double

    /// Ticks for the axis [low, high] with roughly `target` intervals; a degenerate or non-finite
    /// range is widened first so that there is always something to draw.
    init(low: Double, high: Double, target: Int = 6) {
        var low = low.isFinite ? low : 0, high = high.isFinite ? high : 1
        if high < low { swap(&low, &high) }
        if high - low < 1e-12 * Swift.max(1, abs(high)) {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad; high += pad
        }
        let raw = (high - low) / Double(Swift.max(1, target))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        // The nice step nearest the raw one (on a log scale), so the tick count stays near `target`.
        let nice: Double = fraction < 1.4 ? 1 : fraction < 2.2 ? 2 : fraction < 3.5 ? 2.5 : fraction < 7 ? 5 : 10
        step = nice * magnitude
        lower = low
        upper = high
    }

    /// Ticks for the data range [low, high] widened by `fraction` of its span at both ends, so that
    /// lines and markers at the extremes stay clear of the frame (matplotlib's default margins).
    init(data low: Double, _ high: Double, padding fraction: Double = 0.04, target: Int = 6) {
        let pad = (high - low).isFinite ? (high - low) * fraction : 0
        self.init(low: low - pad, high: high + pad, target: target)
    }

    /// The multiples of `step` from `lower` to `upper` (a tiny tolerance keeps limits that sit on a tick).
    var values: [Double] {
        let first = (lower / step - 1e-9).rounded(.up), last = (upper / step + 1e-9).rounded(.down)
        guard first <= last else { return [] }
        return (Int(first)...Int(last)).map { Double($0) * step }
    }

    /// `value` written with as many decimals as the step needs ("0.25", "150", "1e-05").
    func label(_ value: Double) -> String {
        let scale = Swift.max(abs(lower), abs(upper))
        if scale >= 1e6 || (scale < 1e-3 && scale > 0) { return formatNumber(value) }
        var decimals = 0
        while decimals < 6, abs(step * pow(10, Double(decimals)) - (step * pow(10, Double(decimals))).rounded()) > 1e-6
        {
            decimals += 1
        }
        return String(format: "%.\(decimals)f", abs(value) < step * 1e-9 ? 0 : value)
    }
}

/// A short label for a single value: up to 4 significant digits, exponent form when very large
/// or small ("0.0123", "1.235e-05", "42"), and "NaN" for NaN.
func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
    let magnitude = abs(value)
    if magnitude != 0 && (magnitude >= 1e6 || magnitude < 1e-3) {
        let parts = String(format: "%.3e", value).split(separator: "e")
        return trimmingZeros(String(parts[0])) + "e" + String(Int(parts[1]) ?? 0)
    }
    // %.4g switches to exponent form from 1e4 on; whole numbers read better there.
    let text = magnitude >= 1000 ? String(format: "%.0f", value) : trimmingZeros(String(format: "%.4g", value))
    return text == "-0" ? "0" : text
}

/// "1.500" -> "1.5", "2.000" -> "2"; text without a decimal point is returned unchanged.
private func trimmingZeros(_ text: String) -> String {
    guard text.contains(".") else { return text }
    var text = text
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}
