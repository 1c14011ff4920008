/// Where each panel goes on a screen of a given size: a pure function of the size (and the
/// device count, which sets the load panel's height), shared by drawing and by mouse hit tests.
///
///     status line ─────────────────────────────────────────────
///     ╭ op graph ──────────────────╮╭ devices ───────────────╮
///     │ stages × topological depth ││ busy, memory, traffic  │
///     ╰────────────────────────────╯╰────────────────────────╯
///     ╭ reward ──────────╮╭ KL ─────╮╭ inspector ─────────────╮
///     ╰──────────────────╯╰─────────╯╰────────────────────────╯
///     key hints ───────────────────────────────────────────────
public struct ExplorerLayout: Sendable, Equatable {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public let width: Int
    public let height: Int
    public let status: Rect
    public let footer: Rect
    public let graph: Rect
    public let reward: Rect
    public let kl: Rect
    public let devices: Rect
    public let inspector: Rect
    /// True when the devices panel has three rows per device (busy, memory, traffic), false when
    /// it has one.
    public let detailedDevices: Bool

    public init(width: Int, height: Int, deviceCount: Int) {
        self.width = width
        self.height = height
        status = Rect(x: 0, y: 0, width: width, height: 1)
        footer = Rect(x: 0, y: height - 1, width: width, height: 1)
        let body = Rect(x: 0, y: 1, width: width, height: height - 2)
        // The right column keeps the 30 columns inside its borders that the devices and inspector
        // panels need, even at the minimum width.
        let (left, right) = body.splitLeft(min(max(46, width * 58 / 100), width - 34))
        let (graph, curves) = left.splitTop(max(8, body.height * 55 / 100))
        self.graph = graph
        let (reward, kl) = curves.splitLeft(curves.width * 60 / 100)
        self.reward = reward
        self.kl = kl
        let devices = max(deviceCount, 1)
        let roomForDevices = body.height * 45 / 100
        detailedDevices = 2 + 3 * devices <= roomForDevices
        let devicesHeight = min(
            detailedDevices ? 2 + 3 * devices : 2 + devices, max(roomForDevices, 5))
        (self.devices, inspector) = right.splitTop(devicesHeight)
    }

    /// Whether the screen is big enough for the panels.
    public var fits: Bool { width >= Self.minimumWidth && height >= Self.minimumHeight }
}
