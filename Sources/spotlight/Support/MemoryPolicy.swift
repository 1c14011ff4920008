import CSystem

/// The allocator settings the search runs best with.
///
/// Each policy pass allocates a few scratch matrices of some megabytes and frees them again.
/// glibc returns such memory to the system as soon as the free space at the heap's top passes its
/// trim threshold (by default twice the last large block freed), so every pass would fault its
/// scratch pages back in and clear them: a tenth of a pass's time at 256 stages. Raising the
/// thresholds keeps the pages for the next pass; the process then holds on to its peak heap,
/// tens of megabytes for the largest policies.
enum MemoryPolicy {
    static func apply() {
        spl_keep_freed_memory(256 << 20, 64 << 20)
    }
}
