import ArgumentParser
import Foundation

/// Finds the directories that ship with Spotlight (`samples/`, `themes/`): in the working
/// directory, or beside the executable and up to five levels above it (so that
/// `.build/release/spotlight` finds the checkout's), or in `../share/spotlight` of an installation.
enum Resources {
    static func directory(_ name: String, containing marker: String) -> String? {
        for candidate in candidates(name) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: candidate + "/" + marker, isDirectory: &isDirectory)
            {
                return candidate
            }
        }
        return nil
    }

    /// Every directory looked at for `name`, in order (also for error messages).
    static func candidates(_ name: String) -> [String] {
        var places = [FileManager.default.currentDirectoryPath + "/" + name]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            var directory = executable.deletingLastPathComponent()
            places.append(
                directory.appendingPathComponent("../share/spotlight/" + name).standardized.path)
            for _ in 0..<6 {
                places.append(directory.appendingPathComponent(name).path)
                directory = directory.deletingLastPathComponent()
            }
        }
        var seen = Set<String>()
        return places.filter { seen.insert($0).inserted }
    }

    /// The sample the explorer opens when no files are given: the Spotlight paper's headline case,
    /// neural machine translation on one CPU and four K80 GPUs.
    static let defaultGraph = "nmt.graph.json.gz"
    static let defaultCluster = "k80x4.cluster.json"

    /// The paths of the default sample's graph and cluster; when they cannot be found, says where
    /// it looked and exits 1.
    static func defaultSample() throws -> (graph: String, cluster: String) {
        guard let samples = directory("samples", containing: defaultGraph) else {
            Output.error(
                "error: cannot find the sample workload (looked for samples/\(defaultGraph) in \(candidates("samples").joined(separator: ", "))); give a graph and a cluster: spotlight explore GRAPH CLUSTER"
            )
            throw ExitCode.failure
        }
        return (samples + "/" + defaultGraph, samples + "/" + defaultCluster)
    }
}
