/// A machine like the Spotlight paper's Google Cloud instances, of any size, for tests and
/// benchmarks: one CPU and `deviceCount - 1` K80-class GPUs, each GPU on a PCIe link to the CPU,
/// GPU pairs through the default link (PCIe peer to peer).
public enum SyntheticCluster {
    public static func make(deviceCount: Int) -> Cluster {
        precondition(
            deviceCount >= 1 && deviceCount <= Cluster.maximumDevices,
            "1 to \(Cluster.maximumDevices) devices")
        let cpu = Cluster.Device(
            name: "cpu:0", kind: "cpu", type: "cpu", gflops: 560, memoryGBytesPerSecond: 60,
            memoryGBytes: 52, launchMicroseconds: 2)
        let gpus = (0..<(deviceCount - 1)).map {
            Cluster.Device(
                name: "gpu:\($0)", kind: "gpu", type: "k80", gflops: 2800,
                memoryGBytesPerSecond: 160,
                memoryGBytes: 11.2, launchMicroseconds: 6)
        }
        let links = (1..<max(deviceCount, 1)).map {
            Cluster.Link(
                between: (0, $0), speed: .init(gbytesPerSecond: 10, latencyMicroseconds: 10))
        }
        do {
            return try Cluster(
                name: "synthetic-cpu-\(deviceCount - 1)k80", devices: [cpu] + gpus, links: links,
                defaultLink: .init(gbytesPerSecond: 8, latencyMicroseconds: 15))
        } catch {
            preconditionFailure("the synthetic cluster is invalid: \(error)")
        }
    }
}
