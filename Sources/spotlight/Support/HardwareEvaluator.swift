import SpotlightModel
import SpotlightSearch

/// The evaluator of `--evaluate-command` or `--evaluate-server`: one command or server, or with
/// several `workers` a `WorkerPool` of them, each told its index (`SPOTLIGHT_WORKER`).
enum HardwareEvaluator {
    static func make(
        command: String?, server: String?, timeout: Double, workers: Int, problem: PlacementProblem,
        onFailure: @escaping @Sendable (String) -> Void
    ) -> any Evaluator {
        let evaluators = (0..<max(workers, 1)).map { index -> any Evaluator in
            let worker = workers > 1 ? index : nil
            if let server {
                return ServerEvaluator(
                    command: server, graph: problem.graph, cluster: problem.cluster,
                    timeoutSeconds: timeout, worker: worker, onFailure: onFailure)
            }
            return CommandEvaluator(
                command: command ?? "", graph: problem.graph, cluster: problem.cluster,
                timeoutSeconds: timeout, worker: worker, onFailure: onFailure)
        }
        return evaluators.count == 1 ? evaluators[0] : WorkerPool(evaluators)
    }
}
