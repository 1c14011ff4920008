import Testing

@testable import SpotlightModel

@Suite struct StagePartitionTests {
    @Test func groupHintsBecomeStagesOnTheTinySample() throws {
        let graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        let stages = StagePartition(graph: graph)
        // Nine group hints; the "train" updates are colocated with their variables, so they join
        // those variables' groups and eight stages remain.
        #expect(stages.count == 8)
        for stage in 0..<stages.count {
            let groups = Set(
                stages.ops(of: stage).map {
                    graph.groupOf[$0] == -1 ? "" : graph.groupNames[graph.groupOf[$0]]
                }
            )
            .subtracting(["train"])
            #expect(groups.count == 1, "stage \(stage) mixes groups \(groups)")
        }
        let towerA = stages.stageOf[graph.opID(named: "tower_a/w")!]
        #expect(stages.stageOf[graph.opID(named: "train/update_tower_a/w")!] == towerA)
        #expect(stages.stageOf[graph.opID(named: "tower_a/MatMul")!] == towerA)
        #expect(stages.features[towerA].opCount == 4)
        #expect(stages.features[towerA].flops == 500_000_000 + 250_000 + 2_000_000)
        #expect(stages.features[stages.stageOf[0]].allowedKinds == 1, "the input stage is CPU-only")
    }

    @Test func withoutGroupHintsEveryColocationSetIsAStage() throws {
        let graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        let stages = StagePartition(graph: graph, groupHints: false)
        // 21 ops, three of them colocated with their variables: 18 stages.
        #expect(stages.count == 18)
        for op in 0..<graph.count where graph.colocateWith[op] >= 0 {
            #expect(stages.stageOf[op] == stages.stageOf[graph.colocateWith[op]])
        }
        #expect(StagePartition(graph: graph, maximumStages: 5, groupHints: false).count == 5)
    }

    @Test func mergesDownToTheLimitWithoutSplittingColocation() throws {
        let graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        for limit in 1...8 {
            let stages = StagePartition(graph: graph, maximumStages: limit)
            #expect(stages.count == limit)
            #expect(stages.stageOps.sorted() == Array(0..<graph.count))
            for op in 0..<graph.count where graph.colocateWith[op] >= 0 {
                #expect(stages.stageOf[op] == stages.stageOf[graph.colocateWith[op]])
            }
        }
    }

    @Test(arguments: [(500, UInt64(1), 16), (3000, 2, 64), (20_000, 3, 256)])
    func propertiesOnSyntheticGraphs(opCount: Int, seed: UInt64, limit: Int) {
        let graph = SyntheticGraph(opCount: opCount, seed: seed).graph()
        let stages = StagePartition(graph: graph, maximumStages: limit)
        #expect(stages.count <= limit && stages.count > 0)
        // Every op in exactly one stage, and each stage's list agrees with stageOf.
        #expect(stages.stageOps.sorted() == Array(0..<graph.count))
        for stage in 0..<stages.count {
            for op in stages.ops(of: stage) { #expect(stages.stageOf[op] == stage) }
        }
        var sets = UnionFind(count: graph.count)
        for op in 0..<graph.count where graph.colocateWith[op] >= 0 {
            sets.union(op, graph.colocateWith[op])
        }
        var stageOfSet = [Int](repeating: -1, count: graph.count)
        var split = 0
        for op in 0..<graph.count {
            let root = sets.find(op)
            if stageOfSet[root] == -1 {
                stageOfSet[root] = stages.stageOf[op]
            } else if stageOfSet[root] != stages.stageOf[op] {
                split += 1
            }
        }
        #expect(split == 0)
        // Balanced: no stage carries more than a few times its share of ops.
        let largest = stages.features.map(\.opCount).max() ?? 0
        #expect(largest <= 4 * graph.count / stages.count + 10, "largest stage has \(largest) ops")
        #expect(stages.features.map(\.opCount).reduce(0, +) == graph.count)
    }

    @Test func isDeterministic() {
        let graph = SyntheticGraph(opCount: 2000, seed: 9).graph()
        let first = StagePartition(graph: graph, maximumStages: 50)
        let second = StagePartition(graph: graph, maximumStages: 50)
        #expect(first.stageOf == second.stageOf)
        #expect(first.features == second.features)
    }

    /// Without group hints the coarsening alone decides, and it should keep stages connected.
    @Test func mostStagesAreConnectedPieces() throws {
        let specs = SyntheticGraph(opCount: 5000, seed: 4).generate().map { op -> OperationSpec in
            var op = op
            op.group = nil
            return op
        }
        let graph = try OperationGraph(name: "ungrouped", ops: specs)
        let stages = StagePartition(graph: graph, maximumStages: 128)
        var connectedCount = 0
        var mostPieces = 0
        for stage in 0..<stages.count {
            let ops = Array(stages.ops(of: stage))
            var sets = UnionFind(count: graph.count)
            for op in ops {
                for producer in graph.inputs(of: op) where stages.stageOf[producer] == stage {
                    sets.union(op, producer)
                }
            }
            let pieces = Set(ops.map { sets.find($0) }).count
            if pieces == 1 { connectedCount += 1 }
            mostPieces = max(mostPieces, pieces)
        }
        #expect(
            Double(connectedCount) >= 0.75 * Double(stages.count),
            "\(connectedCount) of \(stages.count) stages connected")
        #expect(mostPieces <= 4, "a stage falls into \(mostPieces) unconnected pieces")
    }

    @Test func variablesJoinTheLayerThatReadsThem() throws {
        let graph = SyntheticGraph(opCount: 3000, seed: 8).graph()
        let stages = StagePartition(graph: graph, maximumStages: 64)
        let variables = (0..<graph.count).filter { graph.opTypes[$0] == "VariableV2" }
        let besideAConsumer = variables.filter { variable in
            graph.consumers(of: variable).contains { consumer in
                graph.colocateWith[consumer] != variable
                    && stages.stageOf[consumer] == stages.stageOf[variable]
            }
        }
        #expect(
            Double(besideAConsumer.count) >= 0.9 * Double(variables.count),
            "\(besideAConsumer.count) of \(variables.count)")
    }

    /// Two independent chains whose ops alternate in file order: a then b, a then b, ... With the
    /// chains labelled 0 and 1, neighbours in topological order always differ in label, so only
    /// merging a unit with a same-label unit further along keeps the stages pure.
    @Test func refinementKeepsEachStageToOneLabel() throws {
        var specs: [OperationSpec] = []
        for index in 0..<20 {
            for chain in ["a", "b"] {
                var op = OperationSpec(name: "\(chain)\(index)", type: "MatMul")
                op.flops = 1e6
                if index > 0 { op.inputs = [.init("\(chain)\(index - 1)", bytes: 4)] }
                specs.append(op)
            }
        }
        let graph = try OperationGraph(name: "chains", ops: specs)
        let labels = (0..<graph.count).map { graph.opNames[$0].hasPrefix("a") ? 0 : 1 }
        for limit in [2, 4, 10, 40] {
            let stages = StagePartition(graph: graph, maximumStages: limit, refinement: labels)
            #expect(stages.count == limit)
            for stage in 0..<stages.count {
                #expect(
                    Set(stages.ops(of: stage).map { labels[$0] }).count == 1,
                    "limit \(limit): stage \(stage) mixes labels")
            }
        }
        // Without the refinement, two stages are two halves of the file, each with both chains.
        let plain = StagePartition(graph: graph, maximumStages: 2)
        #expect(Set(plain.ops(of: 0).map { labels[$0] }) == [0, 1])
    }

    @Test func refinementSplitsGroupsByLabelAndKeepsColocationWhole() throws {
        let graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        // A label per colocation set, as a placement gives one device per set.
        let labels = (0..<graph.count).map { graph.colocationRoot[$0] % 2 }
        let plain = StagePartition(graph: graph)
        let refined = StagePartition(graph: graph, refinement: labels)
        #expect(refined.count > plain.count)
        for stage in 0..<refined.count {
            let ops = Array(refined.ops(of: stage))
            #expect(Set(ops.map { plain.stageOf[$0] }).count == 1, "stage \(stage) crosses a group")
            #expect(Set(ops.map { labels[$0] }).count == 1, "stage \(stage) mixes labels")
        }
        for op in 0..<graph.count where graph.colocateWith[op] >= 0 {
            #expect(refined.stageOf[op] == refined.stageOf[graph.colocateWith[op]])
        }
    }

    @Test func aSavedPartitionComesBackTheSame() throws {
        let graph = SyntheticGraph(opCount: 1500, seed: 5).graph()
        let original = StagePartition(graph: graph, maximumStages: 40)
        let restored = try #require(StagePartition(graph: graph, stageOf: original.stageOf))
        #expect(restored.stageOf == original.stageOf)
        #expect(restored.stageStart == original.stageStart)
        #expect(restored.stageOps == original.stageOps)
        #expect(restored.features == original.features)
    }

    @Test func aPartitionThatDoesNotFitIsRefused() throws {
        let graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        let good = StagePartition(graph: graph).stageOf
        #expect(StagePartition(graph: graph, stageOf: Array(good.dropLast())) == nil, "too short")
        #expect(
            StagePartition(graph: graph, stageOf: good.map { $0 == 0 ? -1 : $0 }) == nil,
            "negative stage")
        #expect(
            StagePartition(graph: graph, stageOf: good.map { $0 == 0 ? good.max()! + 2 : $0 })
                == nil, "an empty stage")
        let colocated = try #require((0..<graph.count).first { graph.colocateWith[$0] >= 0 })
        var split = good
        split[colocated] = good[graph.colocateWith[colocated]] == 0 ? 1 : 0
        #expect(StagePartition(graph: graph, stageOf: split) == nil, "a colocation set split")
    }

    @Test func featureVectorHasTheDocumentedShape() throws {
        let graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        let stages = StagePartition(graph: graph)
        let vector = stages.features[0].vector(kindCount: 2)
        #expect(vector.count == StageFeatures.scalarCount + 2)
        #expect(vector.allSatisfy { $0.isFinite })
    }

    @Test func categoriesOfCommonOpTypes() {
        #expect(OpCategory(type: "Conv2DBackpropFilter") == .convolution)
        #expect(OpCategory(type: "BatchMatMulV2") == .matrixMultiply)
        #expect(OpCategory(type: "ResourceApplyAdam") == .optimizerUpdate)
        #expect(OpCategory(type: "VarHandleOp") == .state)
        #expect(OpCategory(type: "Mean") == .reduction)
        #expect(OpCategory(type: "Reshape") == .dataMovement)
        #expect(OpCategory(type: "Relu") == .elementwise)
        #expect(OpCategory(type: "NoOp") == .other)
    }
}

@Suite struct SyntheticGraphTests {
    @Test(arguments: [6, 7, 50, 1000, 12_345])
    func hasExactlyTheRequestedOpCountAndIsValid(opCount: Int) throws {
        let specs = SyntheticGraph(opCount: opCount, seed: 5).generate()
        #expect(specs.count == opCount)
        let graph = try OperationGraph(name: "s", ops: specs)
        #expect(graph.topologicalOrder.count == opCount)
    }

    @Test func sameSeedSameGraphOtherSeedOtherGraph() {
        let a = SyntheticGraph(opCount: 800, seed: 11).generate()
        #expect(a == SyntheticGraph(opCount: 800, seed: 11).generate())
        #expect(a != SyntheticGraph(opCount: 800, seed: 12).generate())
    }

    @Test func looksLikeATrainingStep() {
        let graph = SyntheticGraph(opCount: 4000, seed: 3).graph()
        let types = Set(graph.opTypes)
        for type in [
            "VariableV2", "Conv2D", "Conv2DBackpropInput", "ApplyAdam",
            "SoftmaxCrossEntropyWithLogits",
        ] {
            #expect(types.contains(type))
        }
        let updates = (0..<graph.count).filter { graph.opTypes[$0] == "ApplyAdam" }
        #expect(
            updates.allSatisfy {
                graph.colocateWith[$0] >= 0 && graph.opTypes[graph.colocateWith[$0]] == "VariableV2"
            })
        // Skip edges and branching make the graph wider than a chain.
        #expect(graph.criticalPathLength < graph.count / 2)
        #expect(graph.edgeCount > graph.count)
        #expect(graph.totalFlops > 1e9)
        let backward = (0..<graph.count).filter { graph.opNames[$0].hasPrefix("gradients/") }.count
        #expect(abs(backward - graph.count * 5 / 12) < graph.count / 10)
    }

    @Test func splitMixIsStable() {
        var random = SplitMix64(seed: 0)
        // Reference values of SplitMix64 from seed 0.
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}
