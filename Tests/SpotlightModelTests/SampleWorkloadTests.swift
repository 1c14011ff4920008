import Foundation
import Testing

@testable import SpotlightModel

/// What a sample workload should add up to, from the paper or documentation that describes the
/// model, or where none gives a figure for our configuration, from its layer sizes by hand.
struct PublishedFigures: Sendable, CustomTestStringConvertible {
    var file: String
    var batch: Double
    /// Forward multiply-adds per example (an image, a sequence or a sentence pair).
    var forwardMultiplyAdds: Double
    var parameters: Double
    var testDescription: String { file }
}

let publishedFigures: [PublishedFigures] = [
    // TensorFlow CIFAR-10 tutorial: "1,068,298 learnable parameters and ... about 19.5M
    // multiply-add operations to compute inference on a single image".
    .init(
        file: "cifar10_cnn.graph.json", batch: 128, forwardMultiplyAdds: 19.5e6,
        parameters: 1_068_298),
    // Szegedy et al. 2016 / tf-slim: 5.7G multiply-adds at 299x299; Keras: 23.9M parameters.
    .init(
        file: "inception_v3.graph.json.gz", batch: 32, forwardMultiplyAdds: 5.7e9,
        parameters: 23.9e6),
    // He et al. 2016: 3.8G FLOPs (multiply-adds) for the convolutions, 4.1G as usually quoted with
    // the rest; Keras Applications: 25.6M parameters.
    .init(
        file: "resnet50.graph.json.gz", batch: 32, forwardMultiplyAdds: 4.1e9, parameters: 25.6e6),
    // Zaremba et al. 2014, large model: 66M parameters. Multiply-adds by hand: per token two LSTM
    // layers of 4 * 1500 * (1500 + 1500) and a 1500 x 10000 softmax, over 35 tokens.
    .init(
        file: "rnnlm.graph.json.gz", batch: 20,
        forwardMultiplyAdds: 35 * (2 * 4 * 1500 * 3000 + 1500 * 10000),
        parameters: 66e6),
    // By hand: two embeddings of 32000 x 1024, four LSTM layers of 4 * 1024 * 2048 + 4096, the
    // attention layer 2048 x 1024 and the softmax 1024 x 32000 + 32000. Multiply-adds: 20 source
    // tokens through two encoder layers; 20 target tokens through two decoder layers, attention
    // over 20 positions (scores and context), the attention layer and the softmax.
    .init(
        file: "nmt.graph.json.gz", batch: 128,
        forwardMultiplyAdds: 20 * 2 * 4 * 1024 * 2048 + 20
            * (2 * 4 * 1024 * 2048 + 2 * 20 * 1024 + 2048 * 1024 + 1024 * 32000),
        parameters: 2 * 32000 * 1024 + 4 * (4 * 1024 * 2048 + 4096) + 2048 * 1024 + 1024 * 32000
            + 32000),
    // By hand: token and position embeddings on both sides, two encoder layers (attention 4 x
    // (512^2 + 512), feed-forward 512 x 2048 x 2 + biases, two layer norms), two decoder layers
    // (two attentions), softmax 512 x 32000 + 32000. Multiply-adds per sentence pair of 64 + 64
    // tokens: projections and feed-forward per token, attention scores and context per pair of
    // positions, the softmax per target.
    .init(
        file: "transformer.graph.json.gz", batch: 64,
        forwardMultiplyAdds: 64 * (2 * (4 * 512 * 512 + 2 * 512 * 2048))
            + 64 * (2 * (8 * 512 * 512 + 2 * 512 * 2048) + 512 * 32000)
            + 2 * 64 * 64 * 512 * (2 + 2 * 2),
        parameters: 2 * 3_152_384 + 2 * 4_204_032 + 2 * (32000 * 512 + 64 * 512) + 512 * 32000
            + 32000),
]

/// The exporter names gradient ops `gradient_tape/...` or `backward/...` and updates `update/...`;
/// everything else is the forward pass and the loss.
func isForward(_ name: String) -> Bool {
    !(name.hasPrefix("gradient_tape/") || name.hasPrefix("backward/") || name.hasPrefix("update/"))
}

@Suite struct SampleWorkloadTests {
    @Test func everySampleFileLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: samplesDirectory).sorted()
        let graphs = files.filter { $0.contains(".graph.json") }
        let clusters = files.filter { $0.hasSuffix(".cluster.json") }
        #expect(graphs.count >= 7)
        #expect(clusters.count >= 5)
        for file in graphs {
            let graph = try OperationGraph.load(samplesDirectory + "/" + file)
            #expect(graph.count > 0, "\(file)")
            if file != "tiny.graph.json" {
                #expect(
                    graph.expert.allSatisfy { $0 != nil }, "\(file) gives every op an expert device"
                )
            }
        }
        for file in clusters {
            let cluster = try Cluster.load(samplesDirectory + "/" + file)
            #expect(cluster.devices.contains { $0.kind == "gpu" }, "\(file)")
        }
    }

    @Test(arguments: publishedFigures)
    func totalsMatchPublishedFigures(_ expected: PublishedFigures) throws {
        let graph = try OperationGraph.load(samplesDirectory + "/" + expected.file)
        var forward = 0.0
        var total = 0.0
        var parameterBytes = 0.0
        for op in 0..<graph.count {
            total += graph.flops[op]
            if isForward(graph.opNames[op]) { forward += graph.flops[op] }
            // Variables hold the parameters; optimizer slots are variables colocated with another.
            if graph.opTypes[op] == "VarHandleOp" && graph.colocateWith[op] < 0 {
                parameterBytes += graph.persistentBytes[op]
            }
        }
        let multiplyAdds = forward / 2 / expected.batch
        let parameters = parameterBytes / 4
        #expect(
            abs(multiplyAdds / expected.forwardMultiplyAdds - 1) < 0.10,
            "forward multiply-adds per example \(multiplyAdds), expected about \(expected.forwardMultiplyAdds)"
        )
        #expect(
            abs(parameters / expected.parameters - 1) < 0.10,
            "parameters \(parameters), expected about \(expected.parameters)")
        let ratio = total / forward
        #expect(ratio > 2.5 && ratio < 3.5, "a training step costs \(ratio) times the forward pass")
    }

    /// The PyTorch exports (`tools/torch-export`) of the same models: forward multiply-adds within
    /// a tenth of the published figures, and the parameters torchvision or the model definition
    /// has, exactly; every parameter's update is colocated with it.
    @Test(arguments: [
        ("resnet50.torch.graph.json.gz", 32.0, 4.1e9, 25_557_032.0),
        ("inception_v3.torch.graph.json.gz", 32.0, 5.7e9, 23_834_568.0),
        (
            "rnnlm.torch.graph.json.gz", 20.0, Double(35 * (2 * 4 * 1500 * 3000 + 1500 * 10000)),
            66_034_000.0
        ),
    ])
    func pytorchSamplesMatchPublishedFigures(
        _ file: String, batch: Double, multiplyAdds: Double, parameters: Double
    ) throws {
        let graph = try OperationGraph.load(samplesDirectory + "/" + file)
        var forward = 0.0
        var total = 0.0
        var parameterBytes = 0.0
        for op in 0..<graph.count {
            let name = graph.opNames[op]
            total += graph.flops[op]
            if !(name.hasPrefix("gradients/") || name.hasPrefix("update/")) {
                forward += graph.flops[op]
            }
            if graph.opTypes[op] == "Parameter" { parameterBytes += graph.persistentBytes[op] }
        }
        let perExample = forward / 2 / batch
        #expect(
            abs(perExample / multiplyAdds - 1) < 0.10,
            "forward multiply-adds per example \(perExample)")
        #expect(parameterBytes / 4 == parameters)
        #expect(
            total / forward > 2.5 && total / forward < 3.5,
            "a step costs \(total / forward) forward passes")
        let parameterOps = Set((0..<graph.count).filter { graph.opTypes[$0] == "Parameter" })
        let updated = Set(
            (0..<graph.count).compactMap { op in
                graph.opNames[op].hasPrefix("update/") && graph.colocateWith[op] >= 0
                    ? graph.colocateWith[op] : nil
            })
        #expect(
            parameterOps.isSubset(of: updated), "every parameter has an update colocated with it")
    }

    @Test func optimizerSlotsAreColocatedWithTheirVariables() throws {
        // Inception-V3 is trained with RMSProp: two slots per trainable variable.
        let graph = try OperationGraph.load(samplesDirectory + "/inception_v3.graph.json.gz")
        let variables = (0..<graph.count).filter { graph.opTypes[$0] == "VarHandleOp" }
        let slots = variables.filter { graph.colocateWith[$0] >= 0 }
        #expect(slots.count > 0)
        for slot in slots {
            let primary = graph.colocateWith[slot]
            #expect(graph.opTypes[primary] == "VarHandleOp")
            #expect(graph.persistentBytes[slot] == graph.persistentBytes[primary])
            #expect(graph.opNames[slot].hasPrefix(graph.opNames[primary] + "/"))
        }
        // Every update kernel is colocated with the variable it writes.
        for op in 0..<graph.count where graph.opTypes[op].hasPrefix("ResourceApply") {
            #expect(graph.colocationRoot[op] == graph.colocationRoot[graph.colocateWith[op]])
            #expect(graph.opTypes[graph.colocateWith[op]] == "VarHandleOp")
        }
    }
}
