extension Array {
    /// The elements before `start`, then each pair of neighbours from `start` on as one element,
    /// `merge(index)` joining elements `index` and `index + 1`; an unpaired last element stays.
    /// How a run's histories halve their points in order to stay within a limit. O(count).
    func mergingPairs(from start: Int = 0, _ merge: (Int) -> Element) -> [Element] {
        Array(self[..<Swift.min(start, count)])
            + Swift.stride(from: start, to: count, by: 2).map { index in
                index + 1 < count ? merge(index) : self[index]
            }
    }
}
