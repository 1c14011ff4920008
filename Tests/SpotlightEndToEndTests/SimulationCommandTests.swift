import Foundation
import SpotlightTestSupport
import Testing

/// `simulate`, `baselines` and `bench sim` through the real binary.
@Suite(.tags(.slow), .skippedInQuickLoop) struct SimulationCommandTests {
    typealias CLI = CommandLineTests
    static let tiny = ["samples/tiny.graph.json", "samples/tiny.cluster.json"]

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func simulatePrintsTheDocumentedJSON() throws {
        let result = try CLI.run(
            ["simulate"] + Self.tiny + ["samples/tiny.expert.placement.json", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try Self.object(result.stdout)
        #expect(object["step_time_us"] as? Double == 1070 || object["step_time_us"] as? Int == 1070)
        #expect(object["lower_bound_us"] as? Int == 750)
        #expect(object["oom"] as? Bool == false)
        let devices = try #require(object["devices"] as? [[String: Any]])
        #expect(devices.map { $0["name"] as? String } == ["cpu:0", "gpu:0", "gpu:1"])
        #expect(devices.map { $0["busy_us"] as? Int } == [50, 830, 470])
        #expect(devices.allSatisfy { $0["peak_bytes"] != nil })
        let links = try #require(object["links"] as? [[String: Any]])
        #expect(links.count == 4)
    }

    @Test func simulatePrintsATable() throws {
        let result = try CLI.run(["simulate"] + Self.tiny + ["samples/tiny.expert.placement.json"])
        #expect(result.status == 0)
        #expect(
            result.stdout.contains("step time    1.07 ms  (1.43x the lower bound of 750.00 us)"))
        #expect(result.stdout.contains("[input cpu:0->gpu:1]"))
    }

    @Test func traceIsValidTraceEventFormat() throws {
        let path = try CLI.write("", name: "trace.json")
        let result = try CLI.run(
            ["simulate"] + Self.tiny + ["samples/tiny.expert.placement.json", "--trace", path])
        #expect(result.status == 0, "\(result.stderr)")
        let trace = try Self.object(try String(contentsOfFile: path, encoding: .utf8))
        let events = try #require(trace["traceEvents"] as? [[String: Any]])
        // Every event has a name, a phase, a process and a thread; timed ones a timestamp;
        // complete events a duration.
        for event in events {
            let phase = try #require(event["ph"] as? String)
            #expect(event["name"] is String && event["pid"] is Int && event["tid"] is Int)
            if phase != "M" { #expect(event["ts"] is NSNumber) }
            if phase == "X" {
                #expect((event["dur"] as? NSNumber).map { $0.doubleValue >= 0 } == true)
            }
        }
        let ops = events.filter { $0["ph"] as? String == "X" && $0["cat"] as? String != "transfer" }
        #expect(ops.count == 21)
        #expect(
            ops.contains {
                $0["name"] as? String == "tower_a/MatMul" && $0["cat"] as? String == "MatMul"
                    && $0["dur"] as? Int == 200
            })
        #expect(events.filter { $0["cat"] as? String == "transfer" }.count == 4)
        #expect(events.contains { $0["ph"] as? String == "C" })
        let threads = events.filter { $0["name"] as? String == "thread_name" }.compactMap {
            ($0["args"] as? [String: Any])?["name"] as? String
        }
        #expect(threads.contains("gpu:1") && threads.contains("cpu:0 -> gpu:0"))
    }

    @Test func simulateRejectsAnInvalidPlacement() throws {
        let original = try String(
            contentsOfFile: CLI.packageRoot.appendingPathComponent(
                "samples/tiny.expert.placement.json"
            ).path, encoding: .utf8)
        let path = try CLI.write(
            original.replacingOccurrences(of: "\"input\": \"cpu:0\"", with: "\"input\": \"gpu:0\""),
            name: "p.json")
        let result = try CLI.run(["simulate"] + Self.tiny + [path])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "\(path): $.assignment.input: op \"input\" may not run on \"gpu:0\""),
            "\(result.stderr)")
    }

    @Test func baselinesPrintJSONAndWritePlacements() throws {
        let directory =
            (try CLI.write("", name: "x") as NSString).deletingLastPathComponent + "/placements"
        let result = try CLI.run(["baselines"] + Self.tiny + ["--json", "--out-dir", directory])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try Self.object(result.stdout)
        #expect(object["lower_bound_us"] as? Int == 750)
        let baselines = try #require(object["baselines"] as? [[String: Any]])
        #expect(
            baselines.map { $0["method"] as? String } == [
                "single_gpu", "round_robin", "expert", "heft", "metis",
            ])
        #expect(baselines.allSatisfy { $0["step_time_us"] is NSNumber && $0["oom"] is Bool })
        #expect(
            baselines.first { $0["method"] as? String == "single_gpu" }?["step_time_us"] as? Int
                == 1460)
        // Each written placement validates and simulates to the reported time.
        for baseline in baselines {
            let method = try #require(baseline["method"] as? String)
            let file = "\(directory)/\(method).placement.json"
            let check = try CLI.run(["simulate"] + Self.tiny + [file, "--json"])
            #expect(check.status == 0, "\(method): \(check.stderr)")
            let simulated = try Self.object(check.stdout)["step_time_us"] as? NSNumber
            #expect(simulated?.doubleValue == (baseline["step_time_us"] as? NSNumber)?.doubleValue)
        }
    }

    @Test func baselinesReportAGraphThatCannotRunOnTheCluster() throws {
        let graph = try CLI.write(
            "{\"format\": \"spotlight.graph/1\", \"name\": \"t\", \"ops\": [{\"name\": \"a\", \"type\": \"X\", \"devices\": [\"tpu\"]}]}",
            name: "g.json")
        let result = try CLI.run(["baselines", graph, "samples/tiny.cluster.json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(graph): $.ops[0].devices"), "\(result.stderr)")
    }

    @Test func benchSimPrintsTheDocumentedJSON() throws {
        let result = try CLI.run([
            "bench", "sim", "--ops", "300", "--devices", "3", "--seconds", "0.05", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try Self.object(result.stdout)
        #expect(object["ops"] as? Int == 300)
        #expect(object["devices"] as? Int == 3)
        #expect((object["ns_per_op"] as? NSNumber).map { $0.doubleValue > 0 } == true)
    }
}

/// `optimize` and `bench optimize` through the real binary.
@Suite(.tags(.slow), .skippedInQuickLoop) struct OptimizeCommandTests {
    typealias CLI = CommandLineTests

    /// `--budget` counts every placement measured, the search's and the polish's; the local
    /// search alone spends all of it on the polish; and no run ends slower than its start.
    @Test(arguments: ["spotlight", "pg", "local"])
    func aBudgetCountsEveryPlacementMeasured(method: String) throws {
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--budget", "120",
            "--method", method, "--hidden", "16", "--json", "--schedule", "sequential",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let measured = try #require(object["placements_measured"] as? Int)
        let searched = try #require(object["search_placements_measured"] as? Int)
        let polish = try #require(object["polish"] as? [String: Any])
        #expect(measured <= 120 && object["budget"] as? Int == 120)
        #expect(measured == searched + (polish["evaluated"] as? Int ?? -1))
        #expect(method == "local" ? searched == 0 : searched > 0 && searched <= 60)
        let start = try #require(
            (object["baselines"] as? [[String: Any]])?.compactMap { $0["step_time_us"] as? Double }
                .min())
        #expect(try #require(object["best_step_time_us"] as? Double) <= start)
    }

    /// Interleaved (the default), the search gets at least its share and the local search's
    /// rounds the rest, all of it counted, in the log's running count and the ledger too.
    @Test func anInterleavedBudgetCountsBothSearches() throws {
        let log = try CLI.write("", name: "budget.log.csv")
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--budget", "200",
            "--search-share", "0.3", "--hidden", "16", "--json", "--log", log,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let measured = try #require(object["placements_measured"] as? Int)
        let searched = try #require(object["search_placements_measured"] as? Int)
        let climbed = try #require((object["polish"] as? [String: Any])?["evaluated"] as? Int)
        #expect(measured <= 200 && measured == searched + climbed)
        #expect(Double(searched) >= 0.3 * Double(measured) - 16, "\(searched) of \(measured)")
        let running = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .dropFirst().map { Int($0.split(separator: ",").last!)! }
        #expect(running == running.sorted() && (running.last ?? .max) <= measured)
        #expect(running.count >= 2 && running[1] - running[0] > 16, "the climb's moves count")
        let ledger = try #require(object["ledger"] as? [[String: Any]])
        let parts = ledger.map { ($0["part"] as? String, $0["placements_measured"] as? Int) }
        #expect(parts.map(\.0) == ["learned", "climb"])
        #expect(parts.map(\.1) == [searched, climbed])
        // The best after every round: from the start, placements rising to all measured, the
        // best never lost (no fit measures it again here), ending at the run's best.
        let trace = try #require(object["best_trace"] as? [[Double]])
        #expect(trace.first?[0] == 0 && trace.last?[0] == Double(measured))
        #expect(zip(trace, trace.dropFirst()).allSatisfy { $0[0] < $1[0] && $0[1] >= $1[1] })
        #expect(trace.last?[1] == object["best_step_time_us"] as? Double)
        // Each faster best, what found it, and the last the run's best: the trace's falls.
        let finds = try #require(object["best_finds"] as? [[String: Any]])
        let falls = zip(trace, trace.dropFirst()).filter { $0[1] > $1[1] }.map(\.1)
        let findPoints = finds.map {
            [$0["placements_measured"] as? Double, $0["step_time_us"] as? Double]
        }
        #expect(findPoints == falls.map { [$0[0], $0[1]] })
        for find in finds {
            let finder = find["found_by"] as? String
            #expect(finder == "learned" || finder == "climb")
            #expect((finder == "learned") == (find["iteration"] != nil))
            #expect((finder == "climb") == (find["move"] != nil))
        }
        let plain = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--budget", "200",
            "--search-share", "0.3", "--hidden", "16",
        ])
        #expect(
            plain.stdout.contains("where the placements went: learned search \(searched), "),
            "\(plain.stdout)")
    }

    /// With four measuring workers, a search finds what it finds with one, and each worker
    /// is told its index.
    @Test func fourMeasuringWorkersFindWhatOneFinds() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "workers-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let command =
            "touch \(directory)/worker-$SPOTLIGHT_WORKER; grep -o '\"gpu:0\"' | wc -l | awk '{print 1000 + $1 * 10}'"
        func best(_ workers: Int) throws -> [String: Any] {
            let result = try CLI.run([
                "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--budget",
                "48",
                "--samples", "8", "--hidden", "16", "--evaluate-command", command, "--remeasure",
                "0",
                "--evaluate-workers", String(workers), "--json",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        let one = try best(1)
        let four = try best(4)
        #expect(one["best_step_time_us"] as? Double == four["best_step_time_us"] as? Double)
        let workers = try #require(four["workers"] as? [[String: Any]])
        #expect(workers.count == 4 && one["workers"] is NSNull)
        #expect(
            workers.compactMap { $0["measured"] as? Int }.reduce(0, +) >= four[
                "placements_measured"] as? Int ?? .max)
        #expect(one["placements_measured"] as? Int == four["placements_measured"] as? Int)
        let seen = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(seen.contains("worker-0") && seen.contains("worker-3"), "\(seen)")
        // The progress, line by line off a terminal: placements measured against the budget,
        // and each worker's count.
        let plain = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--budget", "48",
            "--samples", "8", "--hidden", "16", "--evaluate-command", command, "--remeasure", "0",
            "--evaluate-workers", "2",
        ])
        let progress = plain.stdout.split(separator: "\n").filter {
            $0.hasPrefix("measured ") && $0.contains("/48  best ")
        }
        #expect(progress.count >= 2, "\(plain.stdout)")
        #expect(progress.contains { $0.contains("  workers ") }, "\(plain.stdout)")
    }

    /// On hardware, the heuristics polished in the simulator are measured beside them (and can
    /// be turned off); with the simulator the option is refused, as the polish would be free.
    @Test func heuristicsPolishedInTheSimulatorAreMeasuredOnHardware() throws {
        let command = "grep -o '\"gpu:0\"' | wc -l | awk '{print 1000 + $1 * 10}'"
        func measuredHeuristics(_ extra: [String]) throws -> [String] {
            let result = try CLI.run(
                [
                    "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json",
                    "--budget", "16", "--samples", "8", "--hidden", "16", "--evaluate-command",
                    command, "--remeasure", "0", "--json",
                ] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let baselines = try #require(json["baselines"] as? [[String: Any]])
            return baselines.compactMap { $0["method"] as? String }
        }
        let polished = try measuredHeuristics([]).filter { $0.hasSuffix("+polish") }
        #expect(!polished.isEmpty)
        #expect(
            try measuredHeuristics(["--model-polish", "0"]).allSatisfy { !$0.hasSuffix("+polish") })
        let refused = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--budget", "16",
            "--model-polish", "100",
        ])
        #expect(refused.status != 0 && refused.stderr.contains("--model-polish needs"))
    }

    /// On hardware under a budget the simulator is fitted to the measurements as the search goes
    /// (each fit on the progress lines); the option is refused with the simulator as the
    /// measurement and without a budget.
    @Test func onHardwareTheSimulatorIsFittedToTheMeasurements() throws {
        let tiny = ["optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json"]
        let result = try CLI.run(
            tiny + [
                "--budget", "40", "--method", "local", "--fit-model-every", "8",
                "--evaluate-command", Self.gpuOneCounter, "--remeasure", "0",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let fits = result.stdout.split(separator: "\n").filter {
            $0.contains("model fitted to ") && $0.contains(" placements: off by ")
        }
        #expect(fits.count >= 2, "\(result.stdout)")
        let simulated = try CLI.run(tiny + ["--budget", "40", "--fit-model-every", "8"])
        #expect(simulated.status != 0)
        #expect(simulated.stderr.contains("--fit-model-every needs --evaluate-command"))
        let unbudgeted = try CLI.run(
            tiny + ["--fit-model-every", "8", "--evaluate-command", Self.gpuOneCounter])
        #expect(unbudgeted.status != 0 && unbudgeted.stderr.contains("needs --budget"))
    }

    /// Spotlight on hardware rehearses its policy in each fitted simulator (the fits still on
    /// the progress lines); `--rehearsal` is refused where there is no policy, no fit or no
    /// budget.
    @Test func aLearnedSearchRehearsesInTheFittedSimulator() throws {
        let tiny = ["optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json"]
        let hardware = ["--evaluate-command", Self.gpuOneCounter, "--remeasure", "0"]
        let result = try CLI.run(
            tiny + ["--budget", "48", "--fit-model-every", "16", "--rehearsal", "64"] + hardware)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("model fitted to "), "\(result.stdout)")
        let local = try CLI.run(
            tiny + ["--budget", "48", "--method", "local", "--rehearsal", "64"] + hardware)
        #expect(local.status != 0 && local.stderr.contains("--method local has none"))
        let unfitted = try CLI.run(
            tiny + ["--budget", "48", "--fit-model-every", "0", "--rehearsal", "64"] + hardware)
        #expect(unfitted.status != 0 && unfitted.stderr.contains("drop --fit-model-every 0"))
        let simulated = try CLI.run(tiny + ["--budget", "48", "--rehearsal", "64"])
        #expect(simulated.status != 0 && simulated.stderr.contains("--rehearsal needs"))
        let unbudgeted = try CLI.run(tiny + ["--rehearsal", "64"] + hardware)
        #expect(unbudgeted.status != 0 && unbudgeted.stderr.contains("--rehearsal needs --budget"))
    }

    /// `fidelity` simulates and measures each placement and reports errors and the rank
    /// correlation; here the "hardware" answers 1000 µs plus 10 per op on gpu:0.
    @Test func fidelityComparesSimulatedWithMeasured() throws {
        let command = "grep -o '\"gpu:0\"' | wc -l | awk '{print 1000 + $1 * 10}'"
        let result = try CLI.run([
            "fidelity", "samples/tiny.graph.json", "samples/tiny.cluster.json",
            "--evaluate-command", command, "--placements", "8", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["placements"] as? [[String: Any]])
        #expect(rows.count == 8)
        for row in rows {
            let simulated = try #require(row["simulated_us"] as? Double)
            let measured = try #require(row["measured_us"] as? Double)
            #expect(measured >= 1000 && measured <= 1210)
            #expect(
                abs(try #require(row["error"] as? Double) - (simulated - measured) / measured)
                    < 1e-9)
        }
        #expect(object["mean_absolute_error"] as? Double != nil && object["kendall_tau"] != nil)
        let failing = try CLI.run([
            "fidelity", "samples/tiny.graph.json", "samples/tiny.cluster.json",
            "--evaluate-command", "exit 3", "--placements", "3",
        ])
        #expect(failing.status == 1 && failing.stderr.contains("no placement was measured"))
    }

    /// A measuring command that always fails measures nothing: the run says so, names the file
    /// it could not write, and exits 1 instead of 0.
    @Test func aRunThatMeasuredNothingFails() throws {
        let out = try CLI.write("", name: "best.json")
        try FileManager.default.removeItem(atPath: out)
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json",
            "--evaluate-command", "exit 3",
            "--samples", "2", "--iterations", "2", "--hidden", "16", "--remeasure", "0", "--out",
            out,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            result.stderr.contains("error: no placement was measured successfully"),
            "\(result.stderr)")
        #expect(result.stderr.contains("nothing was written to \(out)"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// An op named with escape sequences (and a newline) in a cycle: the error is one line with
    /// the control characters escaped, so it neither retitles nor clears the terminal.
    @Test func namesFromFilesReachTheTerminalEscaped() throws {
        let name = #"x\u001b]0;pwned\u0007\u001b[2J\ny"#
        let graph = try CLI.write(
            """
            {"format": "spotlight.graph/1", "name": "g", "ops": [
              {"name": "\(name)", "type": "X", "inputs": ["b"]}, {"name": "b", "type": "X", "inputs": ["\(name)"]}]}
            """, name: "g.json")
        let result = try CLI.run(["validate", graph])
        #expect(result.status == 1)
        #expect(!result.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(
            result.stderr.contains(#"\u{1B}]0;pwned\u{07}\u{1B}[2J\u{0A}y"#), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func benchBudgetComparesTheThreeMethodsAtOneBudget() throws {
        let workload = "samples/tiny.graph.json:samples/tiny.cluster.json"
        let result = try CLI.run([
            "bench", "budget", workload, "--budget", "64", "--seeds", "2", "--noise", "0.05",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "| local search | policy gradient | Spotlight | Spotlight / local | Spotlight / PG |"
            ), "\(result.stdout)")
        #expect(result.stdout.contains("| tiny_two_tower |"))
        #expect(
            result.stderr.contains("tiny_two_tower local seed 2")
                && result.stderr.contains("tiny_two_tower spotlight seed 1"))
    }

    /// Below the table, where each method's placements went: the local search's all to its
    /// climb, which took the heuristic's 1.00 ms to 0.98 (-2.0%); Spotlight's split between its
    /// learned search and its climb, 64 in all.
    @Test func benchBudgetSaysWhereEachMethodsPlacementsWent() throws {
        let workload = "samples/tiny.graph.json:samples/tiny.cluster.json"
        let result = try CLI.run([
            "bench", "budget", workload, "--budget", "64", "--seeds", "2",
            "--methods", "local,spotlight",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| tiny_two_tower | 0.75 | 1.00 (metis) | 0.98 |"))
        #expect(result.stdout.contains("| workload | method | learned search | climb |"))
        #expect(result.stdout.contains("| tiny_two_tower | local search | - | 64, -2.0% |"))
        let spotlight = try #require(
            result.stdout.split(separator: "\n").first {
                $0.hasPrefix("| tiny_two_tower | Spotlight | ")
            })
        let placements = spotlight.split(separator: "|").dropFirst(2).compactMap {
            Int($0.split(separator: ",").first?.trimmingCharacters(in: .whitespaces) ?? "")
        }
        #expect(placements.count == 2 && placements.reduce(0, +) == 64, "\(spotlight)")
    }

    /// On machines the model gets wrong, the screened local search joins the table, and
    /// Spotlight is set against it.
    @Test func benchBudgetMeasuresOnMachinesTheModelGetsWrong() throws {
        let workload = "samples/tiny.graph.json:samples/tiny.cluster.json"
        let result = try CLI.run([
            "bench", "budget", workload, "--budget", "48", "--seeds", "2", "--model-error", "0.3",
            "--methods", "local,screened,spotlight", "--screen",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "| local search | screened local search | Spotlight | Spotlight / local | "
                    + "Spotlight / screened |"), "\(result.stdout)")
        #expect(result.stdout.contains("on machines the model gets wrong by 0.3"))
        #expect(result.stderr.contains("tiny_two_tower screened seed 2"))
        let calibrated = try CLI.run([
            "bench", "budget", workload, "--budget", "48", "--seeds", "1", "--model-error", "0.3",
            "--methods", "screened", "--calibrate", "16",
        ])
        #expect(calibrated.status == 0, "\(calibrated.stderr)")
        let refused = try CLI.run(["bench", "budget", workload, "--calibrate", "16"])
        #expect(refused.status != 0 && refused.stderr.contains("--calibrate needs --model-error"))
    }

    @Test func benchOptimizeComparesTheMethodsSeedBySeed() throws {
        let workload = "samples/tiny.graph.json:samples/tiny.cluster.json"
        let json = try CLI.run([
            "bench", "optimize", workload, "--seeds", "3", "--iterations", "4", "--json",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        let methods = try #require(rows[0]["methods"] as? [String: [String: Any]])
        let spotlight = try #require(methods["spotlight"]?["best_step_times_us"] as? [Double])
        let pg = try #require(methods["pg"]?["best_step_times_us"] as? [Double])
        #expect(spotlight.count == 3 && pg.count == 3)
        let comparison = try #require(rows[0]["spotlight_against_pg"] as? [String: Any])
        let ratios = zip(spotlight, pg).map { $0 / $1 }
        #expect(abs((comparison["mean_ratio"] as? Double ?? 0) - ratios.reduce(0, +) / 3) < 1e-9)
        #expect(comparison["standard_error"] is Double)
        #expect(comparison["wins"] as? Int == zip(spotlight, pg).filter { $0 < $1 }.count)

        let table = try CLI.run([
            "bench", "optimize", workload, "--seeds", "3", "--iterations", "4",
        ])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("| per seed (± s.e.) |"))
        #expect(table.stdout.contains("| tiny_two_tower on tiny-cpu-2gpu |"), "\(table.stdout)")
        #expect(
            table.stderr.contains("spotlight mean best") && table.stderr.contains("pg mean best"))
        #expect(!table.stdout.contains("+ local search"), "no polish unless asked for")
    }

    /// `--polish`: each run's best polished, never slower than before, and the local search alone
    /// from the start with the same total budget.
    @Test func benchOptimizeCanPolishEachRunsBest() throws {
        let workload = "samples/tiny.graph.json:samples/tiny.cluster.json"
        let json = try CLI.run([
            "bench", "optimize", workload, "--seeds", "2", "--iterations", "3", "--polish", "300",
            "--json",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let row = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])?
                .first)
        let methods = try #require(row["methods"] as? [String: [String: Any]])
        let polish = try #require(row["polish"] as? [String: Any])
        #expect(polish["budget"] as? Int == 300)
        let polished = try #require(polish["best_step_times_us"] as? [String: [Double]])
        for method in ["spotlight", "pg"] {
            let sampled = try #require(methods[method]?["best_step_times_us"] as? [Double])
            let after = try #require(polished[method])
            #expect(after.count == 2 && zip(after, sampled).allSatisfy { $0 <= $1 }, "\(method)")
        }
        #expect((polish["local_search_alone_us"] as? [Double])?.count == 2)
        let table = try CLI.run([
            "bench", "optimize", workload, "--seeds", "2", "--iterations", "3", "--polish", "300",
        ])
        #expect(
            table.stdout.contains("| + local search |")
                && table.stdout.contains("| 48 + at most 300 |"), "\(table.stdout)")
    }

    @Test(arguments: ["spotlight", "pg"])
    func optimizePrintsJSONAndWritesTheBestPlacement(method: String) throws {
        let out = try CLI.write("", name: "best.json")
        let log = try CLI.write("", name: "log.csv")
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--method", method,
            "--iterations", "6", "--samples", "8", "--hidden", "16", "--out", out, "--log", log,
            "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try SimulationCommandTests.object(result.stdout)
        let best = try #require((object["best_step_time_us"] as? NSNumber)?.doubleValue)
        #expect(best >= 750)
        #expect(object["lower_bound_us"] as? Int == 750)
        #expect(object["iterations"] as? Int == 6)
        #expect(object["samples"] as? Int == 48)
        #expect((object["baselines"] as? [[String: Any]])?.count == 5)
        #expect(object["warm_start"] as? String == "metis", "the tiny sample's fastest heuristic")
        // The written placement simulates to the reported best.
        let check = try CLI.run([
            "simulate", "samples/tiny.graph.json", "samples/tiny.cluster.json", out, "--json",
        ])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(
            (try SimulationCommandTests.object(check.stdout)["step_time_us"] as? NSNumber)?
                .doubleValue == best)
        let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 7)
        #expect(rows[0].hasPrefix("iteration,mean_step_time_us,best_step_time_us"))
    }

    /// The tiny sample's warm-started policy soon draws the placements it favours again; redraws
    /// replace most of those repeats, and what is left is counted in the JSON, the log and the
    /// summary line.
    @Test func optimizeCountsTheRepeatsItCouldNotRedraw() throws {
        let common = [
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--iterations",
            "20", "--hidden", "16",
            "--polish", "0",
        ]
        func repeats(_ options: [String]) throws -> (json: Int, logged: Int) {
            let log = try CLI.write("", name: "log.csv")
            let result = try CLI.run(common + options + ["--log", log, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            #expect(rows[0].hasSuffix(",policy_seconds,repeats,measured,run_measured"))
            let cells = rows.dropFirst().map {
                $0.split(separator: ",", omittingEmptySubsequences: false)
            }
            let logged = cells.reduce(0) { $0 + Int($1[$1.count - 3])! }
            // Every placement measured is in the log, and with no polish, in the JSON's count.
            let measured = cells.reduce(0) { $0 + Int($1[$1.count - 2])! }
            let object = try SimulationCommandTests.object(result.stdout)
            #expect(measured == object["placements_measured"] as? Int && measured <= 320 - logged)
            #expect(cells.last.map { Int($0[$0.count - 1]) } == measured)
            return (object["repeated_samples"] as? Int ?? -1, logged)
        }
        let without = try repeats(["--redraws", "0"])
        let with = try repeats([])
        #expect(without.json == without.logged && with.json == with.logged)
        #expect(without.json >= 100, "of 320 samples")
        #expect(
            with.json * 4 < without.json, "redraws left \(with.json) of \(without.json) repeats")
        let text = try CLI.run(common + ["--redraws", "0"])
        #expect(
            text.stdout.contains("20 iterations, 320 placements (\(without.json) repeated) in "),
            "\(text.stdout)")
        #expect(
            try CLI.run(common + ["--redraws=-1"]).stderr.contains("--redraws must not be negative")
        )
    }

    /// From one batch of a uniform policy (5.13 ms at best), the local search climbs to a placement
    /// no single move improves; `--polish 0` leaves the sampled best as it is.
    @Test func optimizePolishesTheBestPlacementWithTheSimulator() throws {
        let out = try CLI.write("", name: "polished.json")
        let common = [
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--iterations", "1",
            "--samples", "2",
            "--hidden", "16", "--warm-start", "none",
        ]
        let result = try CLI.run(common + ["--out", out, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try SimulationCommandTests.object(result.stdout)
        let best = try #require((object["best_step_time_us"] as? NSNumber)?.doubleValue)
        let sampled = try #require((object["sampled_best_step_time_us"] as? NSNumber)?.doubleValue)
        #expect(best < sampled)
        let polish = try #require(object["polish"] as? [String: Any])
        #expect(polish["local_optimum"] as? Bool == true)
        #expect((polish["improvements"] as? Int ?? 0) >= 1)
        #expect((polish["evaluated"] as? Int ?? 0) > 0)
        let check = try CLI.run([
            "simulate", "samples/tiny.graph.json", "samples/tiny.cluster.json", out, "--json",
        ])
        #expect(
            (try SimulationCommandTests.object(check.stdout)["step_time_us"] as? NSNumber)?
                .doubleValue == best, "the written placement is the polished one")

        let text = try CLI.run(common)
        #expect(
            text.stdout.contains("spotlight (best sampled)")
                && text.stdout.contains("spotlight + local search"), "\(text.stdout)")
        #expect(
            text.stderr.contains("polished: ") && text.stderr.contains("(no single move is faster)")
        )
        #expect(
            text.stdout.contains("1 iterations, 2 placements, then ")
                && text.stdout.contains(" in the polish, in "), "\(text.stdout)")

        let off = try SimulationCommandTests.object(
            CLI.run(common + ["--polish", "0", "--json"]).stdout)
        #expect(off["polish"] is NSNull)
        #expect((off["best_step_time_us"] as? NSNumber)?.doubleValue == sampled)
        #expect(
            try CLI.run(common + ["--polish=-1"]).stderr.contains("--polish must not be negative"))
    }

    /// The "hardware" of these tests: 100 us plus 1 per op on gpu:1. There single_gpu (all on
    /// gpu:0) is the fastest heuristic, where the simulator prefers metis.
    static let gpuOneCounter = #"echo $(( $(grep -o '"gpu:1"' | wc -l) + 100 ))"#

    @Test func withAMeasuringCommandTheBaselinesAreMeasuredAndTheWarmStartIsTheFastestMeasured()
        throws
    {
        let folder = try CLI.write("", name: "baselines")
        try FileManager.default.removeItem(atPath: folder)
        let simulated = try CLI.run([
            "baselines", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--out-dir",
            folder,
        ])
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--iterations", "2",
            "--samples", "4", "--hidden", "16", "--evaluate-command", Self.gpuOneCounter, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try SimulationCommandTests.object(result.stdout)
        #expect(object["evaluation"] as? String == "command")
        #expect(object["warm_start"] as? String == "single_gpu")
        let measured = try #require(object["baselines"] as? [[String: Any]])
        // The five heuristics, then those polished in the simulator, each named after its source.
        let baselines = measured.prefix(5)
        let polished = measured.dropFirst(5)
        let heuristicNames = baselines.compactMap { $0["method"] as? String }
        #expect(!polished.isEmpty)
        for baseline in polished {
            let method = try #require(baseline["method"] as? String)
            #expect(
                method.hasSuffix("+polish")
                    && heuristicNames.contains(String(method.dropLast("+polish".count))))
            #expect(baseline["remeasured_us"] as? NSNumber == baseline["step_time_us"] as? NSNumber)
        }
        for baseline in baselines {
            let method = try #require(baseline["method"] as? String)
            let placement = try String(
                contentsOfFile: folder + "/\(method).placement.json", encoding: .utf8)
            let onGPUOne = placement.components(separatedBy: #""gpu:1""#).count - 1
            #expect(
                (baseline["step_time_us"] as? NSNumber)?.doubleValue == Double(100 + onGPUOne),
                "\(method)")
            // This "hardware" has no noise: measured again, every time is the same.
            #expect(
                (baseline["remeasured_us"] as? NSNumber)?.doubleValue == Double(100 + onGPUOne),
                "\(method)")
        }
        let best = try #require((object["best_step_time_us"] as? NSNumber)?.doubleValue)
        #expect(best >= 100)
        #expect((object["best_remeasured_us"] as? NSNumber)?.doubleValue == best)
        #expect((object["measurement_spread"] as? NSNumber)?.doubleValue == 0)
        #expect(object["polish"] is NSNull, "no local search on hardware unless asked for")
    }

    @Test func withoutATerminalEachIterationIsALineAndMeasuredTimesAreNotSetAgainstTheBound() throws
    {
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--iterations", "3",
            "--samples", "4", "--hidden", "16", "--evaluate-command", Self.gpuOneCounter,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(
            lines.filter { $0.hasPrefix("iteration ") }.map { $0.prefix(14) } == [
                "iteration 1/3 ", "iteration 2/3 ", "iteration 3/3 ",
            ])
        #expect(result.stdout.contains("median of 3 more"))
        #expect(
            lines.contains {
                $0.hasPrefix("single_gpu") && $0.components(separatedBy: "100.00 us").count == 3
                    && $0.hasSuffix("1.00")
            })
        #expect(!lines.contains { $0.hasPrefix("lower bound") })
        #expect(result.stderr.contains("polishing the heuristic placements in the simulator"))
        #expect(result.stderr.contains("heuristic placements with the command first"))
        #expect(result.stderr.contains("3 more times each"))
        #expect(result.stdout.contains("measurement spread 0.0% run to run"))

        let once = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--iterations", "1",
            "--samples", "4", "--hidden", "16", "--evaluate-command", Self.gpuOneCounter,
            "--remeasure", "0",
        ])
        #expect(once.status == 0, "\(once.stderr)")
        #expect(once.stdout.contains("measured step time  x fastest heuristic"))
        #expect(!once.stderr.contains("more times each"))
        #expect(!once.stdout.contains("measurement spread"))
    }

    @Test func aMeasuringServerIsStartedOnceForTheWholeRun() throws {
        let starts = try CLI.write("", name: "starts")
        let server =
            "echo start >> '\(starts)'; while read -r line; do "
            + #"echo $(( $(printf '%s' "$line" | grep -o '"gpu:1"' | wc -l) + 100 )); done"#
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--iterations", "3",
            "--samples", "4", "--hidden", "16", "--evaluate-server", server, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try SimulationCommandTests.object(result.stdout)
        #expect(object["evaluation"] as? String == "command")
        #expect(object["warm_start"] as? String == "single_gpu")
        #expect((object["best_remeasured_us"] as? NSNumber)?.doubleValue == 100)
        // 5 baselines, 12 samples and 6 x 3 re-measurements through one process.
        #expect(try String(contentsOfFile: starts, encoding: .utf8) == "start\n")

        let both = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json",
            "--evaluate-server", "cat", "--evaluate-command", "cat",
        ])
        #expect(both.status != 0)
        #expect(both.stderr.contains("--evaluate-command or --evaluate-server, not both"))
    }

    @Test func optimizeCanStartFromAUniformPolicy() throws {
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--warm-start",
            "none",
            "--iterations", "2", "--samples", "4", "--hidden", "16", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try SimulationCommandTests.object(result.stdout)
        #expect(object["warm_start"] is NSNull)
        // From no placement, samples are preferences that list scheduling places.
        #expect(object["preference_strength"] as? Double == 0.25)
        // Without a start, the first batch gives the first best: preferences stay.
        #expect(object["preferences_dropped_at"] is NSNull)
        let bad = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--warm-start",
            "worst",
        ])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--warm-start"))
    }

    @Test func optimizeRejectsBadArguments() throws {
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--samples", "1",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--samples must be at least 2"))
        let confirm = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--confirm=-1",
        ])
        #expect(confirm.status != 0)
        #expect(confirm.stderr.contains("--confirm must not be negative"))
        let strength = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json",
            "--preference-strength", "0",
        ])
        #expect(strength.status != 0)
        #expect(strength.stderr.contains("--preference-strength must be positive"))
        let decoder = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--decoder", "heft",
        ])
        #expect(decoder.status != 0 && decoder.stderr.contains("--decoder"))
    }

    /// On hardware the simulator screens the local search's moves unless told not to; with the
    /// simulator as the evaluator the screen is refused.
    @Test func theSimulatorScreensMovesMeasuredOnHardware() throws {
        let command = "grep -o '\"gpu:0\"' | wc -l | awk '{print 1000 - $1 * 10}'"
        var screened: [Int] = []
        for flag in ["--screen", "--no-screen"] {
            let result = try CLI.run([
                "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--method",
                "local", "--budget", "40", "--confirm", "0", "--remeasure", "0", "--json",
                "--evaluate-command", command, flag,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let polish = try #require(object["polish"] as? [String: Any])
            screened.append(try #require(polish["screened"] as? Int))
            #expect(try #require(object["placements_measured"] as? Int) <= 40)
        }
        #expect(screened[0] > 0 && screened[1] == 0, "\(screened)")
        let refused = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--screen",
        ])
        #expect(refused.status != 0 && refused.stderr.contains("--screen needs --evaluate-command"))
    }

    @Test(arguments: ["--out", "--log", "--checkpoint"])
    func optimizeRefusesAnUnwritableFileBeforeSearching(option: String) throws {
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--iterations", "3",
            "--samples", "4",
            option, "/nonexistent/dir/out.json",
        ])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "/nonexistent/dir/out.json: cannot write: its directory /nonexistent/dir does not exist"
            ))
        #expect(
            !result.stdout.contains("iteration") && !result.stderr.contains("starting from"),
            "nothing ran: \(result.stdout)")
    }
}

@Suite(.tags(.slow), .skippedInQuickLoop) struct CheckpointCommandTests {
    typealias CLI = CommandLineTests

    @Test func resumingFromACheckpointMatchesAnUninterruptedRun() throws {
        let common = [
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--samples", "6",
            "--hidden", "16", "--seed", "4", "--json",
        ]
        let straight = try CLI.run(common + ["--iterations", "8"])
        #expect(straight.status == 0, "\(straight.stderr)")
        let checkpoint = try CLI.write("", name: "run.checkpoint.json")
        try FileManager.default.removeItem(atPath: checkpoint)
        let firstHalf = try CLI.run(
            common + ["--iterations", "4", "--checkpoint", checkpoint, "--checkpoint-every", "2"])
        #expect(firstHalf.status == 0, "\(firstHalf.stderr)")
        let secondHalf = try CLI.run(
            common + ["--iterations", "8", "--checkpoint", checkpoint, "--resume"])
        #expect(secondHalf.status == 0, "\(secondHalf.stderr)")
        let a = try SimulationCommandTests.object(straight.stdout)
        let b = try SimulationCommandTests.object(secondHalf.stdout)
        #expect(b["iterations"] as? Int == 8)
        #expect(b["samples"] as? Int == 48)
        #expect(
            (a["best_step_time_us"] as? NSNumber)?.doubleValue
                == (b["best_step_time_us"] as? NSNumber)?.doubleValue)
    }

    /// The checkpoint's directory disappears mid-run (the measuring command removes it after its
    /// twelfth measurement, and with `comesBack` puts it back after its twentieth): the search goes
    /// on, the placement and log are still written, and the run fails only if its last checkpoint
    /// was not written.
    @Test(arguments: [false, true])
    func aCheckpointLostMidRunIsReportedAndTheRunGoesOn(comesBack: Bool) throws {
        let directory = try InterruptionTests.directory()
        let kept = directory + "/kept"
        let counter = directory + "/measured"
        try FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
        let checkpoint = kept + "/run.checkpoint.json"
        let out = directory + "/best.json"
        let log = directory + "/log.csv"
        let command =
            "n=$(cat '\(counter)' 2>/dev/null || echo 0); echo $((n + 1)) > '\(counter)'; "
            + "if [ $n -ge 12 ]; then rm -rf '\(kept)'; fi; "
            + (comesBack ? "if [ $n -ge 20 ]; then mkdir -p '\(kept)'; fi; " : "") + "echo 1000"
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--samples", "2",
            "--hidden", "16",
            "--iterations", "10", "--evaluate-command", command, "--remeasure", "0",
            "--checkpoint", checkpoint, "--checkpoint-every", "1", "--out", out, "--log", log,
        ])
        let warning =
            "warning: checkpoint not saved (the search goes on): \(checkpoint): cannot write"
        #expect(
            result.stderr.components(separatedBy: warning).count == 2,
            "reported once: \(result.stderr)")
        #expect(
            result.stdout.contains("best placement written to \(out)")
                && result.stdout.contains("iteration log written to \(log)"))
        let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 11, "every iteration ran")
        if comesBack {
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("checkpoint saved again to \(checkpoint)"))
            #expect(result.stdout.contains("checkpoint written to \(checkpoint)"))
            let saved = try SimulationCommandTests.object(
                String(contentsOfFile: checkpoint, encoding: .utf8))
            #expect(
                (saved["state"] as? [String: Any])?["iteration"] as? Int == 10,
                "the last iteration's checkpoint")
        } else {
            #expect(result.status == 1, "\(result.stderr)")
            #expect(
                result.stderr.contains(
                    "error: the last checkpoint could not be written to \(checkpoint)"))
            #expect(!result.stdout.contains("checkpoint written"))
        }
    }

    @Test func resumeNeedsACheckpoint() throws {
        let result = try CLI.run([
            "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json", "--resume",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--resume needs --checkpoint FILE"))
    }
}
